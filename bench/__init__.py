"""`make bench`: GridDesk against the floor (a minimal wechatpy echo bot). See __main__.py."""
