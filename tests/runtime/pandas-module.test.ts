import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmImports } from '@wasi-pystack/linker';
import { CONFIGURATIONS } from './configurations';
import { RUNTIMES, requireModule } from './runtimes';

const SCRIPT = `
import io, json
import pandas as pd, numpy as np
df = pd.read_csv(io.StringIO("t,k,v\\n2026-03-28T23:00Z,a,1\\n2026-03-29T01:30Z,b,2\\n2026-03-29T03:00Z,a,4\\n"), parse_dates=["t"])
df["t"] = df["t"].dt.tz_convert("Europe/Berlin")
out = {
    "version": pd.__version__,
    "sum_by_k": df.groupby("k")["v"].sum().to_dict(),
    "local_hours": df["t"].dt.hour.tolist(),
    "utcoffsets": [str(t.utcoffset()) for t in df["t"]],
    "rolling": df["v"].rolling(2).mean().fillna(-1).tolist(),
    "merged": pd.merge(df, pd.DataFrame({"k": ["a", "b"], "w": [10, 20]}), on="k")["w"].tolist(),
    "pytz": str(pd.Timestamp("2026-07-01", tz="America/New_York").tz),
    "json": json.loads(df.to_json(orient="records", date_format="iso"))[0]["v"],
    "period": str(pd.Period("2026-11", freq="M") + 2),
    "offsets": str(pd.Timestamp("2026-11-25") + pd.offsets.BMonthEnd()),
}
print(json.dumps(out, sort_keys=True))
`;

for (const config of CONFIGURATIONS) {
const MODULE = requireModule(`${config.modules}/python-pandas.wasm`);

describe(`${config.modules}/python-pandas.wasm as a file`, () => {
  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(MODULE).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });
});

describe.each(RUNTIMES)(`pandas ${config.pandas} (${config.name}) under $name`, (runtime) => {
  if (config.name === 'pandas3') {
    // pandas 3.1 reads large local files with a pool of threads when mode.max_threads allows it;
    // WASI has no threads (pandas-wasi patches-3/0003 keeps it to one worker, as pandas does for Emscripten).
    it('reads a 10 MB CSV file with mode.max_threads set above 1', () => {
      const dir = mkdtempSync(join(tmpdir(), `pd3-csv-${runtime.name}-`));
      const script = [
        'import numpy as np, pandas as pd',
        'n = 400_000',
        'df = pd.DataFrame({"a": np.arange(n), "b": np.arange(n) / 7, "c": ["x%d" % (i % 97) for i in range(n)]})',
        'df.to_csv("/t/big.csv", index=False)',
        'pd.set_option("mode.max_threads", 4)',
        'r = pd.read_csv("/t/big.csv")',
        'print(r.shape, int(r.a.sum()), r.c.nunique())',
      ].join('\n');
      const r = runtime.run(MODULE, ['-c', script], { dirs: [[dir, '/t']] });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('(400000, 3) 79999800000 97\n');
    });
  }

  it('imports and does real work: CSV, groupby, time zones across DST, rolling, merge, JSON, periods', () => {
    const r = runtime.run(MODULE, ['-c', SCRIPT]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      version: config.pandas,
      sum_by_k: { a: 5, b: 2 },
      local_hours: [0, 3, 5],
      utcoffsets: ['1:00:00', '2:00:00', '2:00:00'],
      rolling: [-1, 1.5, 3],
      merged: [10, 20, 10],
      pytz: 'America/New_York',
      json: 1,
      period: '2027-01',
      offsets: '2026-11-30 00:00:00',
    });
  });
});
}
