"""The Task tab (agent mode): goal, plan, approvals, the live timeline, replay, the run list."""
