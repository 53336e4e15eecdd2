"""`wire`: the review feature's connections: the search panel and the review controller."""

from __future__ import annotations

from desktop.ui.review.controller import ReviewController
from desktop.ui.review.search_panel import SearchPanel


def wire(review: ReviewController, search: SearchPanel) -> None:
    search.searchRequested.connect(review.search)
    review.searchFinished.connect(search.show_hits)
    review.imported.connect(search.on_history_changed)
