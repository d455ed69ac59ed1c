"""Shared code of tests/relevance/eval and tests/relevance/parallel.

Python 3 standard library only.  Talks to the real fossc-searchd over TCP
(JSON replies) and to the peers of ../shared/peers through their own command
lines, so every engine is measured the way a user would run it.
"""

import fcntl
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Rank cut-off of every metric: the issue asks for nDCG@10 and MRR@10.
K = 10
# Grade from which a hit counts as an answer for MRR and success@10.
MRR_MIN_GRADE = 2
# How long fossc-searchd may take to write its port file (index opening is
# milliseconds; the margin is for loaded machines and sanitizer builds).
DAEMON_START_S = 20.0
# One reply must come within this (a search is milliseconds).
REPLY_TIMEOUT_S = 30.0

CLASSES = ["en", "es", "es2en", "en2es", "phrase", "noaccent", "typo", "noanswer"]
CROSS = ["es2en", "en2es"]
MONO = ["en", "es"]


def die(msg):
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- judged set

def load_queries(path=os.path.join(HERE, "queries.tsv")):
    """[{qid, class, lang, query, orig}] in file order ('#' lines are comments)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            p = line.split("\t")
            if len(p) != 5 or p[1] not in CLASSES or p[2] not in ("en", "es"):
                die(f"{path}:{n}: want qid, class, lang, query, orig (5 tab-separated fields)")
            out.append({"qid": p[0], "class": p[1], "lang": p[2], "query": p[3], "orig": p[4]})
    return out


def load_qrels(path=os.path.join(HERE, "qrels.tsv")):
    """{qid: {doc id: grade}}; unlisted documents have grade 0."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            p = line.split("\t")
            if len(p) != 3 or p[2] not in ("1", "2", "3"):
                die(f"{path}:{n}: want qid, doc id, grade 1-3")
            out.setdefault(p[0], {})[p[1]] = int(p[2])
    return out


# ---------------------------------------------------------------- metrics

def ndcg(ranked, grades, k=K):
    """nDCG@k with gain 2^g - 1 and discount log2(rank + 1)."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def rr(ranked, grades, k=K, min_grade=MRR_MIN_GRADE):
    """Reciprocal rank of the first hit graded >= min_grade within k, else 0."""
    for i, d in enumerate(ranked[:k]):
        if grades.get(d, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def score_query(q, ranked, qrels):
    """(nDCG@10, RR@10) of one query.  A noanswer query scores 1 for both
    when the engine returns nothing at all and 0 when it returns anything."""
    if q["class"] == "noanswer":
        s = 1.0 if not ranked else 0.0
        return s, s
    g = qrels.get(q["qid"], {})
    return ndcg(ranked, g), rr(ranked, g)


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


# ---------------------------------------------------------------- fossc daemon

class Daemon:
    """fossc-searchd on 127.0.0.1, a free port, over `index_dir`."""

    def __init__(self, bin_dir, index_dir, work):
        self.port_file = os.path.join(work, "port")
        self.log = os.path.join(work, "searchd.log")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        exe = os.path.join(bin_dir, "fossc-searchd")
        if not os.access(exe, os.X_OK):
            die(f"{exe} not found: build first (make)")
        with open(self.log, "w") as lf:
            self.proc = subprocess.Popen([exe, "--index", index_dir, "--listen", "127.0.0.1:0",
                                          "--port-file", self.port_file],
                                         stdout=lf, stderr=lf)
        deadline = time.time() + DAEMON_START_S
        while True:
            if os.path.exists(self.port_file) and os.path.getsize(self.port_file) > 0:
                self.port = int(open(self.port_file).read().strip())
                break
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                die("fossc-searchd did not start:\n" + open(self.log).read())
            time.sleep(0.05)
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=REPLY_TIMEOUT_S)
        self.f = self.sock.makefile("rwb")

    def ask(self, line):
        self.f.write(line.encode("utf-8") + b"\n")
        self.f.flush()
        reply = self.f.readline()
        if not reply:
            die(f"fossc-searchd closed the connection on {line!r}")
        return json.loads(reply)

    def search(self, query, limit=K, lang=None):
        """JSON reply of SEARCH (no snippets)."""
        opts = f"format=json limit={limit} snippets=0"
        if lang:
            opts += f" lang={lang}"
        return self.ask(f"SEARCH {opts} -- {query}")

    def get(self, doc_id):
        r = self.ask(f"GET format=json -- {doc_id}")
        if not r.get("ok"):
            die(f"GET {doc_id}: {r}")
        return r["doc"]

    def stop(self):
        try:
            self.sock.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def build_index(bin_dir, corpus, index_dir):
    exe = os.path.join(bin_dir, "fossc-index")
    if not os.access(exe, os.X_OK):
        die(f"{exe} not found: build first (make)")
    r = subprocess.run([exe, "build", corpus, "-o", index_dir, "--quiet"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die(f"fossc-index build {corpus} failed:\n{r.stdout}")


# ---------------------------------------------------------------- peers

PEERS_DEFAULT = os.path.join(os.path.dirname(ROOT), "shared", "peers")

# (label, script, extra args): FTS5 with both of its tokenizers, and Xapian.
PEER_ENGINES = [
    ("fts5", "sqlite-fts5", ["--tokenizer", "unicode61"], "sqlite-fts5-unicode61"),
    ("fts5-porter", "sqlite-fts5", ["--tokenizer", "porter"], "sqlite-fts5-porter"),
    ("xapian", "xapian", [], "xapian"),
]


def peer_query_text(query, mode):
    """The query in make-queries syntax.  mode 'and': as typed (the peers
    require every word, their own default); mode 'or': the words joined with
    OR (a phrase stays a phrase), which is closer to a ranked free-text
    search and is the fairer baseline for long natural-language queries."""
    q = " ".join(query.split())
    if mode == "and" or (q.startswith('"') and q.endswith('"')) or " " not in q:
        return q
    return " OR ".join(q.split())


def run_peers(peers_dir, corpus_jsonl, work, queries, modes=("and", "or"), engines=None):
    """Runs every peer engine on `queries` ([{qid, lang, query}]) for each mode.
    Returns {engine label + '/' + mode: {qid: [doc id, ...]}}.  Queries are
    split by language (the peers take one --lang per plain query file)."""
    out = {}
    engines = engines or PEER_ENGINES
    for label, script, extra, result_name in engines:
        exe = os.path.join(peers_dir, script)
        if not os.access(exe, os.X_OK):
            die(f"peer script {exe} not found (set PEERS=...)")
        pwork = os.path.join(work, "peer-" + label)
        indexed = False
        for mode in modes:
            res = {}
            for lang in ("en", "es"):
                qs = [q for q in queries if q["lang"] == lang]
                if not qs:
                    continue
                qfile = os.path.join(work, f"queries-{lang}-{mode}.txt")
                with open(qfile, "w", encoding="utf-8") as f:
                    for q in qs:
                        f.write(peer_query_text(q["query"], mode) + "\n")
                cmd = [exe, corpus_jsonl, pwork, qfile, "--lang", lang, "--show", "0"] + extra
                if indexed:
                    cmd.append("--skip-index")
                r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                if r.returncode != 0:
                    die(f"{' '.join(cmd)} failed:\n{r.stdout[-3000:]}")
                indexed = True
                hits = {}
                with open(os.path.join(pwork, f"results-{result_name}.tsv"), encoding="utf-8") as f:
                    next(f)
                    for line in f:
                        qid, _q, rank, doc, _s = line.rstrip("\n").split("\t")
                        hits.setdefault(qid, []).append((int(rank), doc))
                for i, q in enumerate(qs, 1):
                    res[q["qid"]] = [d for _, d in sorted(hits.get(f"q{i:05d}", []))]
            out[f"{label}/{mode}"] = res
    return out


# ---------------------------------------------------------------- corpora

DATA_DIR = os.path.join(os.path.dirname(ROOT), "data")
SMALL_CORPUS = os.path.join(DATA_DIR, "corpus", "corpus-small.jsonl")
CACHE_DIR = os.path.join(DATA_DIR, "relevance")


def ensure_corpus(corpus):
    if os.path.exists(corpus):
        return
    out = os.path.dirname(corpus)
    os.makedirs(out, exist_ok=True)
    # One generator at a time: a second run waits for the first one's file.
    with open(os.path.join(out, ".make-corpus-small.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(corpus):
            return
        gen = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "make-corpus")
        print(f"{corpus} is missing: {gen} --size small --out {out} (about 2 minutes)", flush=True)
        r = subprocess.run([gen, "--size", "small", "--out", out])
        if r.returncode != 0 or not os.path.exists(corpus):
            die("make-corpus failed")


# ---------------------------------------------------------------- docs/relevance.md

def replace_block(path, name, text):
    """Replaces the text between <!-- name:begin --> and <!-- name:end --> in
    path (appending the block when missing)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    body = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    block = f"{begin}\n{text.rstrip()}\n{end}"
    if begin in body and end in body:
        a = body.index(begin)
        b = body.index(end) + len(end)
        body = body[:a] + block + body[b:]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, path)


def tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR", "/tmp"))
