"""PyYAML's CSafeLoader merely loading the given YAML files, one after another (the
reference of issue 17's parse-floor ratios). Prints the fastest of ROUNDS passes in seconds.

    python benches/yaml_pyyaml.py ROUNDS FILE...
"""
import sys
import time

import yaml

if not yaml.__with_libyaml__:
    sys.exit("PyYAML was built without libyaml: CSafeLoader is not available")
rounds = int(sys.argv[1])
texts = [open(p, encoding="utf-8").read() for p in sys.argv[2:]]
best = float("inf")
for _ in range(rounds):
    start = time.perf_counter()
    for text in texts:
        yaml.load(text, Loader=yaml.CSafeLoader)
    best = min(best, time.perf_counter() - start)
print(f"{best:.3f}")
