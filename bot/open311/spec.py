"""The OpenAPI 3.0 document of GridDesk's Open311 GeoReport v2 endpoints (JSON forms).

Every endpoint also answers in XML with .xml in place of .json (the same fields).
"""
from __future__ import annotations


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"], "additionalProperties": False,
    "properties": {"code": {"type": "integer", "enum": [400, 403, 404]},
                   "description": {"type": "string"}}}}

SERVICE = {"type": "object", "additionalProperties": False,
           "required": ["service_code", "service_name", "description", "metadata", "type",
                        "keywords", "group"],
           "properties": {"service_code": {"type": "string"},
                          "service_name": {"type": "string"},
                          "description": {"type": "string"},
                          "metadata": {"type": "boolean"},
                          "type": {"type": "string", "enum": ["realtime", "batch",
                                                              "blackbox"]},
                          "keywords": {"type": "string"},
                          "group": {"type": "string"}}}

DATETIME = {"type": "string", "format": "date-time"}
REQUEST = {"type": "object", "additionalProperties": False,
           "required": ["service_request_id", "status", "service_code", "service_name",
                        "description", "agency_responsible", "requested_datetime",
                        "updated_datetime", "expected_datetime"],
           "properties": {
               "service_request_id": {"type": "string"},
               "status": {"type": "string", "enum": ["open", "closed"]},
               "status_notes": _nullable("string"),
               "service_name": {"type": "string"},
               "service_code": {"type": "string"},
               "description": {"type": "string"},
               "agency_responsible": {"type": "string",
                                      "description": "the grid, community, street or "
                                                     "district holding it, or a department"},
               "service_notice": _nullable("string"),
               "requested_datetime": DATETIME,
               "updated_datetime": DATETIME,
               "expected_datetime": {**DATETIME, "description": "resolve-by (24 h)"},
               "address": _nullable("string"),
               "address_id": _nullable("string", description="building or grid code"),
               "zipcode": _nullable("string"),
               "lat": _nullable("number"),
               "long": _nullable("number"),
               "media_url": _nullable("string")}}

CREATED = {"type": "array", "minItems": 1, "maxItems": 1, "items": {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "service_notice", "account_id"],
    "properties": {"service_request_id": {"type": "string"},
                   "service_notice": {"type": "string"},
                   "account_id": _nullable("string")}}}

UPDATE = {"type": "object", "additionalProperties": False,
          "required": ["update_id", "service_request_id", "status", "updated_datetime",
                       "description", "media_url"],
          "properties": {"update_id": {"type": "string"},
                         "service_request_id": {"type": "string"},
                         "status": {"type": "string", "enum": ["open", "closed"]},
                         "updated_datetime": DATETIME,
                         "description": {"type": "string"},
                         "media_url": _nullable("string")}}

NEW_REQUEST = {"type": "object", "required": ["api_key", "service_code"],
               "description": "a location is required: lat and long, address_string or "
                              "address_id",
               "anyOf": [{"required": ["lat", "long"]}, {"required": ["address_string"]},
                         {"required": ["address_id"]}],
               "properties": {
                   "api_key": {"type": "string"},
                   "service_code": {"type": "string",
                                    "description": "kind:category, from services.json"},
                   "lat": {"type": "number", "minimum": -90, "maximum": 90},
                   "long": {"type": "number", "minimum": -180, "maximum": 180},
                   "address_string": {"type": "string", "maxLength": 255},
                   "address_id": {"type": "string",
                                  "description": "grid (15 digits), building (18) or unit "
                                                 "(20) code"},
                   "description": {"type": "string", "maxLength": 4000},
                   "email": {"type": "string"}, "device_id": {"type": "string"},
                   "account_id": {"type": "string"}, "first_name": {"type": "string"},
                   "last_name": {"type": "string"}, "phone": {"type": "string"},
                   "media_url": {"type": "string"},
                   "jurisdiction_id": {"type": "string"}}}


def _json(schema: dict, what: str) -> dict:
    return {"description": what, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    names = {400: "bad parameters", 403: "api_key missing or not valid, or the location outside "
             "the key's area", 404: "not found (or outside the key's area)"}
    return {str(code): _json({"$ref": "#/components/schemas/Errors"}, names[code])
            for code in codes}


def _query(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


READ_KEY = _query("api_key", "needed unless OPEN311_READ_NEEDS_KEY=0; a key reads only its "
                              "area; without one, or with a key not given personal data, "
                              "personal data is masked and points rounded to ~100 m")
PAGING = [{"name": "page", "in": "query", "required": False, "description": "from 1",
           "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
          {"name": "page_size", "in": "query", "required": False,
           "description": "results per page, 50 unless given",
           "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
JURISDICTION = _query("jurisdiction_id", "accepted and ignored: one jurisdiction")


def document(server_url: str) -> dict:
    requests_list = {"type": "array", "items": {"$ref": "#/components/schemas/Request"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "GridDesk 网格服务台 Open311 GeoReport v2", "version": "2",
                 "description": "Service requests are tickets (工单) of the grid governance "
                                "platform. Each .json endpoint answers in XML as .xml too."},
        "servers": [{"url": server_url}],
        "paths": {
            "/services.json": {"get": {
                "operationId": "listServices", "summary": "kinds × categories",
                "parameters": [JURISDICTION],
                "responses": {"200": _json({"type": "array", "items": {
                    "$ref": "#/components/schemas/Service"}}, "the services")}}},
            "/requests.json": {
                "get": {"operationId": "listRequests",
                        "summary": "requests of the last 90 days unless dated, newest first, "
                                   "paged",
                        "parameters": [
                            _query("service_request_id", "comma-separated ticket numbers; "
                                   "the other filters are then ignored"),
                            _query("service_code", "comma-separated service codes"),
                            _query("start_date", "W3C date-time", format="date-time"),
                            _query("end_date", "W3C date-time", format="date-time"),
                            _query("status", "open, closed or both comma-separated",
                                   enum=["open", "closed", "open,closed"]),
                            READ_KEY, JURISDICTION, *PAGING],
                        "responses": {"200": _json(requests_list, "matching requests"),
                                      **_errors(400, 403)}},
                "post": {"operationId": "createRequest",
                         "summary": "file a request: api_key, service_code and a location",
                         "requestBody": {"required": True, "content": {
                             "application/x-www-form-urlencoded": {
                                 "schema": {"$ref": "#/components/schemas/NewRequest"}}}},
                         "responses": {"201": _json({"$ref": "#/components/schemas/Created"},
                                                    "filed"),
                                       **_errors(400, 403)}}},
            "/requests/{service_request_id}.json": {"get": {
                "operationId": "getRequest",
                "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]{1,16}$"}},
                               READ_KEY, JURISDICTION],
                "responses": {"200": _json(requests_list, "the request, as a list of one"),
                              **_errors(403, 404)}}},
            "/servicerequestupdates.json": {"get": {
                "operationId": "listRequestUpdates",
                "summary": "public staff and system steps of all requests (the last day by "
                           "default), paged; residents' own messages are never here",
                "parameters": [_query("start_date", "W3C date-time", format="date-time"),
                               _query("end_date", "W3C date-time", format="date-time"),
                               READ_KEY, JURISDICTION, *PAGING],
                "responses": {"200": _json({"type": "array", "items": {
                    "$ref": "#/components/schemas/Update"}}, "updates"),
                    **_errors(400, 403)}}},
        },
        "components": {"schemas": {"Errors": ERRORS, "Service": SERVICE, "Request": REQUEST,
                                   "Created": CREATED, "Update": UPDATE,
                                   "NewRequest": NEW_REQUEST}},
    }
