"""`python -m benchmarks.child module:function ARG...`: one measurement in a fresh process.

It calls `benchmarks.<module>.<function>(*ARGS)` and prints the JSON of its result on one line
after `RESULT_MARK`, so a child's stray output (Qt warnings, logging) cannot be mistaken for it.
"""

from __future__ import annotations

import importlib
import json
import sys

from benchmarks.measure import RESULT_MARK


def main(argv: list[str]) -> None:
    module_name, function_name = argv[0].split(":")
    function = getattr(importlib.import_module(f"benchmarks.{module_name}"), function_name)
    result = function(*argv[1:])
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
