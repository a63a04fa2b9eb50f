"""Choose the windows of one scope at one stack (rule sample)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))
import pandas as pd  # noqa: E402

from audio_umaps import runlog, sampling, store, tables  # noqa: E402

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
stores = {tuple(key.split("/")): path for key, path in snakemake.params.stores.items()}
store.flag_random_weights(log, stores.values())
table = pd.concat([tables.read_tsv(p) for p in snakemake.input.manifests], ignore_index=True)
sample = sampling.sample_scope(
    table, stores, w.scope, int(w.stack), snakemake.params.caps, snakemake.params.seed,
    include_external=snakemake.params.include_external,
)
sample.to_csv(snakemake.output[0], sep="\t", index=False)
counts = sample.groupby(["dataset", "split", "label"]).size()
log.info("%d windows of %d frames for scope %s:\n%s", len(sample), int(w.stack), w.scope, counts.to_string())
