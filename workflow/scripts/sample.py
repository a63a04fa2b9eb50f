"""Choose the windows of one scope at one stack (rule sample)."""
import pandas as pd

from audio_umaps import runlog, sampling, store, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
stores = snakemake.params.stores  # {(dataset, part): store} of the scope, from the plan
store.flag_random_weights(log, stores.values())
table = pd.concat([tables.read_tsv(p) for p in snakemake.input.manifests], ignore_index=True)
sample = sampling.sample_scope(
    table,
    stores,
    int(w.stack),
    snakemake.params.caps,
    snakemake.params.seed,
    scope=w.scope,
)
sample.to_csv(snakemake.output[0], sep="\t", index=False)
counts = sample.groupby(["dataset", "split", "label"]).size()
log.info("%d windows of %d frames for scope %s:\n%s", len(sample), int(w.stack), w.scope, counts.to_string())
