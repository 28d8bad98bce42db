"""The agent gateway: /ws/agent, connection registry, ingest and command routing."""
