"""The Task tab (agent mode): the goal, the plan, the approvals, the live timeline, replay and the run list."""
