"""Cluster sync: per-interval summaries into an outbox table, published over MQTT (QoS 1)
with store and forward; see docs/SYNC.md."""
