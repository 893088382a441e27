"""The management API's JSON: request models (validated by pydantic) and response shapes."""
