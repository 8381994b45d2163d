"""The pure rules: programs loaded from YAML, expressions, forms, one moment over time, authoring tools."""
