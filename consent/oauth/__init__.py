"""The OAuth 2.0 authorization server: authlib's core grants and endpoints, with one thin aiohttp integration."""
