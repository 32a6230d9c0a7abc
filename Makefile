# GridDesk: `make run` starts the product, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GRIDDESK_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test bench setup demo clean fonts browser-deps bench-deps

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -c constraints.txt
	touch $(STAMP)

setup: $(STAMP)

# A Chinese font for the grid QR posters (a fresh Debian machine has none). Installs Debian's
# fonts-wqy-microhei once, as root; elsewhere it only warns (set POSTER_FONT instead).
WQY := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -e $(WQY) || fc-list :lang=zh 2>/dev/null | grep -q . || \
	  { apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; }; } || \
	  echo "warning: no Chinese font; run: apt-get install fonts-wqy-microhei (or set POSTER_FONT)"

demo: $(STAMP)
	$(BIN)/griddesk init-db
	$(BIN)/griddesk demo-data

run: demo fonts
	@echo ""
	@echo "GridDesk 网格服务台 on http://127.0.0.1:$${PORT:-8000}"
	@echo "  console:  http://127.0.0.1:$${PORT:-8000}/console/  (admin / griddesk)"
	@echo "  WeChat callback: /wechat  Token=$${WECHAT_TOKEN:-griddesk}" \
	      "EncodingAESKey=$${WECHAT_ENCODING_AES_KEY-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG}" \
	      "AppID=$${WECHAT_APP_ID:-wx5a3c0d9b1e2f4a68}"
	@echo '  try:  eval "$$($(BIN)/griddesk sign 楼道灯坏了三天了)" | $(BIN)/griddesk open-reply'
	@echo '        $(BIN)/griddesk messages'
	@[ -n "$${WECHAT_TEMPLATE_TICKET}" ] || { \
	  echo "  WECHAT_TEMPLATE_TICKET is not set: on a real account staff then get customer-service"; \
	  echo "    texts, which WeChat delivers only to someone who wrote to the account in the last"; \
	  echo "    48 hours; new-ticket notices to everyone else are lost (README: Going live)."; }
	@[ -n "$${WECHAT_TEMPLATE_PROGRESS}" ] || { \
	  echo "  WECHAT_TEMPLATE_PROGRESS is not set: on a real account a resident's progress"; \
	  echo "    messages then fail once WeChat allows no more customer-service messages"; \
	  echo "    (5 in 48 h after they wrote, 3 in 1 min after a click). griddesk wechat-check"; \
	  echo "    says what is missing."; }
	@echo ""
	@# /metrics adds up every process's counters from files in one fresh folder per run
	@rm -rf "$(GRIDDESK_INSTANCE)/metrics" && mkdir -p "$(GRIDDESK_INSTANCE)/metrics"
	@# exec: honcho keeps this pid, which its processes watch (they stop when it is gone);
	@# honcho gives each process a PORT of its own: WEB_PORT is the web's, for the links
	@# workers put in messages
	PROMETHEUS_MULTIPROC_DIR="$(GRIDDESK_INSTANCE)/metrics" GRIDDESK_SUPERVISOR_PID=$$$$ \
	  WEB_PORT=$${PORT:-8000} \
	  exec $(BIN)/honcho start --port $${PORT:-8000} --concurrency worker=$${DELIVERY_WORKERS:-2}

# The browser tests drive Debian's chromium; screenshots need a CJK font. Installed only when
# missing (CI runs as root on fresh Debian); without root, say what to install and go on.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "browser tests need: sudo apt-get install chromium fonts-wqy-microhei (they are skipped without chromium)"; \
	  fi; \
	fi

# One pytest process a core; a file's tests run in one process, so a module's costly fixture
# (the nlp evaluation's refits) is built once. Runs side by side never collide (each has its
# own database and queues: tests/conftest.py).
test: $(STAMP) fonts browser-deps
	$(BIN)/python -m pytest -n auto --dist loadfile

# The load generator: Debian's wrk when root can install it (else a slower Python one runs).
bench-deps:
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true
	@command -v wrk >/dev/null || echo "no wrk: the bench uses a slower Python load generator"

bench: $(STAMP) bench-deps  ## GridDesk against a minimal echo bot; prints one JSON line last
	$(BIN)/python -m bench

.PHONY: bench-console
bench-console: $(STAMP)  ## the console at 1,000,000 tickets on PostgreSQL; one JSON line last
	$(BIN)/python -m bench console

clean:
	rm -rf $(VENV) instance *.egg-info
