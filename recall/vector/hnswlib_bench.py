# hnswlib side of vector.BenchANN. argv[1]: params JSON. Reads raw
# little-endian float32 base/query files and int64 ground truth, builds the
# index, prints one JSON line, then answers one JSON line per stdin request
# {"ef": N}: one timed single-threaded pass over all queries.
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
print(json.dumps({"build_seconds": build, "bytes_per_vector": (rss() - before) / len(base)}), flush=True)
for line in sys.stdin:
    ef = json.loads(line)["ef"]
    index.set_ef(max(ef, k))
    w, c = time.perf_counter(), time.thread_time()
    labels, _ = index.knn_query(queries, k=k, num_threads=1)
    w, c = time.perf_counter() - w, time.thread_time() - c
    found = sum(len(set(labels[i].tolist()) & set(truth[i].tolist())) for i in range(len(queries)))
    print(json.dumps({"qps": len(queries) / w, "cpu_qps": len(queries) / c if c > 0 else 0,
                      "recall": found / truth.size}), flush=True)
