"""The web layer: configuration, blueprints and error handling. Routes stay thin."""
