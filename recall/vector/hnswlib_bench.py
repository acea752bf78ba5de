# Runs hnswlib on vectors written by vector.BenchANN and prints JSON.
# argv: params.json path. Reads raw little-endian float32 / int64 files.
import json, sys, time
import numpy as np
import hnswlib

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

p = json.load(open(sys.argv[1]))
dim, k = p["dim"], p["k"]
base = np.fromfile(p["base"], dtype="<f4").reshape(-1, dim)
queries = np.fromfile(p["queries"], dtype="<f4").reshape(-1, dim)
truth = np.fromfile(p["truth"], dtype="<i8").reshape(len(queries), -1)
before = rss()
t0 = time.perf_counter()
index = hnswlib.Index(space=p["space"], dim=dim)
index.init_index(max_elements=len(base), ef_construction=p["ef_construction"], M=p["m"], random_seed=100)
index.add_items(base, np.arange(len(base)), num_threads=p["threads"])
build = time.perf_counter() - t0
grown = rss() - before
rows = []
for ef in p["efs"]:
    index.set_ef(max(ef, k))
    runs = []
    labels = None
    for r in range(p["runs"]):
        t = time.perf_counter()
        labels, _ = index.knn_query(queries, k=k, num_threads=1)
        runs.append(len(queries) / (time.perf_counter() - t))
    found = sum(len(set(labels[i].tolist()) & set(truth[i].tolist())) for i in range(len(queries)))
    rows.append({"ef": ef, "recall": found / truth.size, "qps_runs": runs})
print(json.dumps({"build_seconds": build, "bytes_per_vector": grown / len(base), "rows": rows}))
