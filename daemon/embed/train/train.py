"""
Trains the built-in static code model on the pairs extract.ts wrote (CACHE/work)
and exports it (daemon/embed/model/static-code.bin).

Model: one token table E (V x D) and two per-token weight vectors, one for
queries (wq) and one for documents (wd). A text's vector is
    normalize( sum over its distinct tokens t of (1 + ln count_t) * w[t] * E[t] )
Loss: symmetric InfoNCE with in-batch negatives (temperature 0.05). Batches are
drawn one project (package / JDK module) at a time where possible, so the
negatives are functions of the same project: what a search within one
repository must tell apart. Gradients are written out by hand (numpy + scipy
sparse); Adam with lazy row updates. Single-threaded BLAS and a fixed seed:
the same input gives the same weights, bit for bit.

Epochs are chosen on the dev split of bench/quality/heldout.json (MRR@10 of
first-sentence queries against every function of each dev project); the best
epoch is exported. Report projects are never looked at.

    python3 daemon/embed/train/train.py [--epochs N] [--dim D] [--seed S]
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import hashlib
import json
import struct
import sys
import time

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "model")
CACHE = os.environ.get("CONTEXTD_TRAIN_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "contextd-train"))
WORK = os.path.join(CACHE, "work")
DEV_SETS = ["python-stdlib", "boltons", "commander", "yargs", "cobra", "testify", "jdk-logging-sql"]
MAGIC = b"CDSTATIC"
FORMAT_VERSION = 1


def i32(name):
    return np.fromfile(os.path.join(WORK, name), dtype=np.int32)


def csr_counts(ptr, ids, V):
    """Rows of token ids -> CSR of (1 + ln count) per distinct token, columns sorted."""
    n = len(ptr) - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    key = rows * V + ids.astype(np.int64)
    uk, cnt = np.unique(key, return_counts=True)
    r = (uk // V).astype(np.int64)
    c = (uk % V).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, r + 1, 1)
    indptr = np.cumsum(indptr)
    val = (1.0 + np.log(cnt)).astype(np.float32)
    return sp.csr_matrix((val, c, indptr), shape=(n, V))


def embed(M, E, w):
    """Unit vectors of the rows of M (CSR of tf values) with per-token weights w."""
    W = sp.csr_matrix((M.data * w[M.indices], M.indices, M.indptr), shape=M.shape)
    X = np.asarray(W @ E, dtype=np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(n, 1e-9)


def mrr10(Qv, Cv, target):
    S = Qv @ Cv.T
    t = S[np.arange(len(target)), target]
    rank = (S > t[:, None]).sum(axis=1) + 1
    rr = np.where(rank <= 10, 1.0 / rank, 0.0)
    return float(rr.mean()), float((rank <= 10).mean())


def bm25_scores(Q, C, k1=1.2, b=0.75):
    """Q, C: CSR tf (raw counts) -> BM25 of each query (distinct terms) against each candidate."""
    N = C.shape[0]
    df = np.bincount(C.indices, minlength=C.shape[1])
    idf = np.log(1 + (N - df + 0.5) / (df + 0.5)).astype(np.float32)
    dl = np.asarray(C.sum(axis=1)).ravel()
    avg = dl.mean()
    Cc = C.tocoo()
    tf = Cc.data
    val = idf[Cc.col] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl[Cc.row] / avg))
    W = sp.csr_matrix((val.astype(np.float32), (Cc.row, Cc.col)), shape=C.shape)
    Qb = Q.copy()
    Qb.data[:] = 1
    return np.asarray((Qb @ W.T).todense())


def raw_counts(ptr, ids, V):
    M = csr_counts(ptr, ids, V)
    M.data = np.round(np.exp(M.data - 1.0)).astype(np.float32)
    return M


def load_dev(V):
    devs = []
    for name in DEV_SETS:
        base = f"dev_{name}"
        if not os.path.exists(os.path.join(WORK, base + "_target.i32")):
            continue
        qp, qi = i32(base + "_q_ptr.i32"), i32(base + "_q_ids.i32")
        cp, ci = i32(base + "_c_ptr.i32"), i32(base + "_c_ids.i32")
        tgt = i32(base + "_target.i32")
        if len(tgt) == 0:
            continue
        devs.append({"name": name, "Q": csr_counts(qp, qi, V), "C": csr_counts(cp, ci, V), "Qraw": raw_counts(qp, qi, V), "Craw": raw_counts(cp, ci, V), "target": tgt})
    return devs


def evaluate(devs, E, wq, wd):
    out = {}
    for d in devs:
        out[d["name"]] = mrr10(embed(d["Q"], E, wq), embed(d["C"], E, wd), d["target"])
    return out


def bm25_eval(devs):
    out = {}
    for d in devs:
        S = bm25_scores(d["Qraw"], d["Craw"])
        t = S[np.arange(len(d["target"])), d["target"]]
        rank = (S > t[:, None]).sum(axis=1) + 1
        out[d["name"]] = (float(np.where(rank <= 10, 1.0 / rank, 0).mean()), float((rank <= 10).mean()))
    return out


class LazyAdam:
    def __init__(self, shape, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.m = np.zeros(shape, dtype=np.float32)
        self.v = np.zeros(shape, dtype=np.float32)
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0

    def step(self, P, rows, g):
        self.t += 1
        m = self.b1 * self.m[rows] + (1 - self.b1) * g
        v = self.b2 * self.v[rows] + (1 - self.b2) * g * g
        self.m[rows] = m
        self.v[rows] = v
        mh = m / (1 - self.b1 ** self.t)
        vh = v / (1 - self.b2 ** self.t)
        P[rows] -= (self.lr * mh / (np.sqrt(vh) + self.eps)).astype(np.float32)


def batches_for_epoch(rng, unit, lang, B, grouping):
    """Index batches: one project after another (grouping='unit') or random within a language ('lang')."""
    n = len(unit)
    perm = rng.permutation(n)
    if grouping == "unit":
        # random order of units; pairs of a unit in random order; cut into batches per language stream
        uorder = rng.permutation(unit.max() + 1)
        urank = np.empty_like(uorder)
        urank[uorder] = np.arange(len(uorder))
        order = perm[np.lexsort((np.arange(n), urank[unit[perm]], lang[perm]))]
    else:
        order = perm[np.argsort(lang[perm], kind="stable")]
    out = []
    for L in np.unique(lang):
        idx = order[lang[order] == L]
        for s in range(0, len(idx), B):
            chunk = idx[s : s + B]
            if len(chunk) >= 64:
                out.append(chunk)
    bo = rng.permutation(len(out))
    return [out[i] for i in bo]


def train_step(E, wq, wd, Qm, Dm, group, idx, tau, optE, optW, wmask):
    Qb = Qm[idx]
    Db = Dm[idx]
    cols = np.concatenate([Qb.indices, Db.indices])
    uniq, inv = np.unique(cols, return_inverse=True)
    nq = len(Qb.indices)
    Ul = len(uniq)
    qcols, dcols = inv[:nq], inv[nq:]
    El = E[uniq]
    wql, wdl = wq[uniq], wd[uniq]
    Bq = sp.csr_matrix((Qb.data * wql[qcols], qcols, Qb.indptr), shape=(len(idx), Ul))
    Bd = sp.csr_matrix((Db.data * wdl[dcols], dcols, Db.indptr), shape=(len(idx), Ul))
    Q = np.asarray(Bq @ El)
    D = np.asarray(Bd @ El)
    qn_ = np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-9)
    dn_ = np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-9)
    qn, dn = Q / qn_, D / dn_
    S = (qn @ dn.T) / tau
    g = group[idx]
    same = (g[:, None] == g[None, :]) & ~np.eye(len(idx), dtype=bool)
    S[same] = -1e9
    n = len(idx)
    Sr = S - S.max(axis=1, keepdims=True)
    Pr = np.exp(Sr)
    Pr /= Pr.sum(axis=1, keepdims=True)
    Sc = S - S.max(axis=0, keepdims=True)
    Pc = np.exp(Sc)
    Pc /= Pc.sum(axis=0, keepdims=True)
    diag = np.arange(n)
    loss = -0.5 * (np.log(Pr[diag, diag] + 1e-12).mean() + np.log(Pc[diag, diag] + 1e-12).mean())
    Pr[diag, diag] -= 1
    Pc[diag, diag] -= 1
    dS = (0.5 / n) * (Pr + Pc) / tau
    dqn = dS @ dn
    ddn = dS.T @ qn
    dQ = (dqn - qn * (dqn * qn).sum(axis=1, keepdims=True)) / qn_
    dD = (ddn - dn * (ddn * dn).sum(axis=1, keepdims=True)) / dn_
    gE = np.asarray(Bq.T @ dQ) + np.asarray(Bd.T @ dD)
    # token weight gradients: tf * (dX[row] . E[col]) summed per column
    def wgrad(Mb, cols_local, dX):
        rows = np.repeat(np.arange(n), np.diff(Mb.indptr))
        out = np.zeros(Ul, dtype=np.float32)
        for s in range(0, len(rows), 65536):
            r, c = rows[s : s + 65536], cols_local[s : s + 65536]
            dots = np.einsum("ij,ij->i", dX[r], El[c])
            np.add.at(out, c, (Mb.data[s : s + 65536] * dots).astype(np.float32))
        return out
    gwq = wgrad(Qb, qcols, dQ)
    gwd = wgrad(Db, dcols, dD)
    optE.step(E, uniq, gE.astype(np.float32))
    W2 = np.stack([wq, wd], axis=1)
    optW.step(W2, uniq, np.stack([gwq, gwd], axis=1))
    wq[uniq] = np.clip(W2[uniq, 0], 0.0, 20.0) * wmask[uniq]
    wd[uniq] = np.clip(W2[uniq, 1], 0.0, 20.0) * wmask[uniq]
    return float(loss)


def quantize(E):
    scale = (np.abs(E).max(axis=1) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.round(E / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def export(path, vocab, q, scale, wq, wd, meta):
    words = "\n".join(vocab).encode("utf-8")
    metab = json.dumps(meta, sort_keys=True).encode("utf-8")
    V, D = q.shape
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<IIII", FORMAT_VERSION, V, D, len(metab)))
        f.write(metab)
        f.write(struct.pack("<I", len(words)))
        f.write(words)
        pad = (-f.tell()) % 4
        f.write(b"\0" * pad)
        f.write(scale.astype("<f4").tobytes())
        f.write(wq.astype("<f4").tobytes())
        f.write(wd.astype("<f4").tobytes())
        f.write(q.tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--wlr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--grouping", default="unit", choices=["unit", "lang"])
    ap.add_argument("--no-name-pairs", action="store_true")
    ap.add_argument("--max-pairs", type=int, default=0)
    ap.add_argument("--init-scale", type=float, default=1.0, help="table init std, times 1/sqrt(dim)")
    ap.add_argument("--min-count", type=int, default=0, help="tokens seen in fewer training documents get weight 0")
    ap.add_argument("--out", default=os.path.join(MODEL_DIR, "static-code.bin"))
    ap.add_argument("--report", default=os.path.join(WORK, "train-report.json"))
    a = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(a.seed)
    vocab = open(os.path.join(WORK, "vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
    V = len(vocab)
    meta = i32("train_meta.i32").reshape(-1, 3)
    lang, unit, kind = meta[:, 0], meta[:, 1], meta[:, 2]
    Qm = csr_counts(i32("train_q_ptr.i32"), i32("train_q_ids.i32"), V)
    Dm = csr_counts(i32("train_d_ptr.i32"), i32("train_d_ids.i32"), V)
    # A 'full' pair shares its document with the 'doc' pair before it: never each other's negative.
    group = np.cumsum(kind != 1).astype(np.int64)
    keep = np.ones(len(kind), dtype=bool)
    if a.no_name_pairs:
        keep &= kind != 2
    # pairs with an empty side (all tokens out of vocabulary) teach nothing
    keep &= (np.diff(Qm.indptr) > 0) & (np.diff(Dm.indptr) > 0)
    sel = np.nonzero(keep)[0]
    if a.max_pairs:
        sel = sel[np.sort(rng.permutation(len(sel))[: a.max_pairs])]
    print(f"train: {len(sel)} pairs, vocab {V}, dim {a.dim}", flush=True)
    devs = load_dev(V)
    base = bm25_eval(devs)
    print("bm25 (same tokens):", {k: round(v[0], 3) for k, v in base.items()}, flush=True)

    # init: random table; token weights start at the documents' idf (a good prior for code noise)
    E = (rng.standard_normal((V, a.dim)) * (a.init_scale / np.sqrt(a.dim))).astype(np.float32)
    df = np.bincount(Dm.indices, minlength=V).astype(np.float64)
    idf = np.log((Dm.shape[0] + 1) / (df + 1)) + 1
    w0 = (idf / idf.mean()).astype(np.float32)
    if a.min_count:
        qdf = np.bincount(Qm.indices, minlength=V)
        w0[(df + qdf) < a.min_count] = 0.0
    wq, wd = w0.copy(), w0.copy()
    wmask = (w0 > 0).astype(np.float32) if a.min_count else np.ones(V, dtype=np.float32)
    optE = LazyAdam(E.shape, a.lr)
    optW = LazyAdam((V, 2), a.wlr)
    history = []
    best = None
    Qs, Ds, gs = Qm[sel], Dm[sel], group[sel]
    ls, us = lang[sel], unit[sel]
    for ep in range(1, a.epochs + 1):
        te = time.time()
        bl = batches_for_epoch(np.random.default_rng(a.seed * 1000 + ep), us, ls, a.batch, a.grouping)
        losses = []
        for bi, idx in enumerate(bl):
            losses.append(train_step(E, wq, wd, Qs, Ds, gs, idx, a.tau, optE, optW, wmask))
            if bi % 50 == 0:
                print(f"  epoch {ep} batch {bi}/{len(bl)} loss {np.mean(losses[-50:]):.4f} ({time.time() - te:.0f} s)", flush=True)
        ev = evaluate(devs, E, wq, wd)
        mean = float(np.mean([v[0] for v in ev.values()]))
        history.append({"epoch": ep, "loss": float(np.mean(losses)), "seconds": round(time.time() - te, 1), "devMRR10": {k: round(v[0], 4) for k, v in ev.items()}, "devMean": round(mean, 4)})
        print(f"epoch {ep}: loss {np.mean(losses):.4f} dev mean MRR@10 {mean:.4f} {history[-1]['devMRR10']} ({time.time() - te:.0f} s)", flush=True)
        if best is None or mean > best[0]:
            best = (mean, ep, E.copy(), wq.copy(), wd.copy())
    mean, ep, E, wq, wd = best
    q, scale = quantize(E)
    Eq = q.astype(np.float32) * scale[:, None]
    evq = evaluate(devs, Eq, wq, wd)
    meta_out = {"format": FORMAT_VERSION, "dim": a.dim, "vocab": V, "epochs": ep, "seed": a.seed, "tau": a.tau, "batch": a.batch, "grouping": a.grouping, "pairs": int(len(sel))}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    export(a.out, vocab, q, scale, wq, wd, meta_out)
    digest = hashlib.sha256(open(a.out, "rb").read()).hexdigest()
    report = {
        "model": meta_out,
        "sha256": digest,
        "bestEpoch": ep,
        "history": history,
        "devQuantized": {k: {"mrr10": round(v[0], 4), "r10": round(v[1], 4)} for k, v in evq.items()},
        "devBM25SameTokens": {k: {"mrr10": round(v[0], 4), "r10": round(v[1], 4)} for k, v in base.items()},
        "devSizes": {d["name"]: {"queries": int(len(d["target"])), "pool": int(d["C"].shape[0])} for d in devs},
        "seconds": round(time.time() - t0, 1),
    }
    json.dump(report, open(a.report, "w"), indent=1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
