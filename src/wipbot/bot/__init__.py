"""How wipbot talks: one adapter per chat platform, the web app, configuration and the CLI."""
