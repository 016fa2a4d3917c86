# CPU ticks per second of each thread of process PID using more than 5, and the vCPU it last ran on,
# once a second for SECONDS: python3 threads.py PID SECONDS
import os, sys, time
pid = sys.argv[1]; dur = float(sys.argv[2])
prev = {}
t0 = time.time()
while time.time() - t0 < dur:
    time.sleep(1.0)
    rows = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        break
    for tid in tids:
        try:
            s = open(f"/proc/{pid}/task/{tid}/stat").read()
        except FileNotFoundError:
            continue
        comm = s[s.index('(')+1:s.rindex(')')]
        f = s[s.rindex(')')+2:].split()
        cpu_t = int(f[11]) + int(f[12]); proc = f[36]
        d = cpu_t - prev.get(tid, cpu_t); prev[tid] = cpu_t
        if d > 5: rows.append(f"{comm}:{tid}@{proc}={d}")
    print(f"{time.time()-t0:.1f}", " ".join(rows), flush=True)
