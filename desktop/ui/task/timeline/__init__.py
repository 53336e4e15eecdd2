"""The run's timeline: a model of its events, the painter of its rows, and the view."""
