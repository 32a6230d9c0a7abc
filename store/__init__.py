"""Models, sessions and the ticket lifecycle. No Flask, no WeChat."""
from store.db import Database

__all__ = ["Database"]
