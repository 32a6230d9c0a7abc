"""The command line edge: `griddesk` (main), a Flask CLI group over create_app(), and its
registry and api-key commands (registry). It wraps the app rather than being mounted on it,
so it has no init_app; pyproject.toml's entry point is bot.cli.main:main."""
