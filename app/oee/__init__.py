"""OEE: the shift calendar's planned time, machine states and part counters turned into
availability x performance x quality per machine (pure functions, and the dispatcher-side
tracker that puts each interval's figures into the sync outbox)."""
