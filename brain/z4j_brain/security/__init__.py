"""The brain's perimeter: rate limits, host allow-list, redaction, CSRF, headers."""
