"""Choose the windows of one scope at one stack (rule sample); an empty scope gets an empty
table and a status saying why."""

from audio_umaps import runlog, sampling, status, store, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
stores = snakemake.params.stores  # {(dataset, part): store} of the scope, from the plan
store.flag_random_weights(log, stores.values())
table = tables.read_many("manifest", snakemake.input.manifests)
facts = dict(scope=w.scope, representation=w.representation, stack=int(w.stack))
try:
    sample = sampling.sample_scope(
        table, stores, int(w.stack), snakemake.params.caps, snakemake.params.seed, scope=w.scope
    )
except sampling.EmptyScope as exc:
    log.warning("scope %s at stack %s has no windows: %s", w.scope, w.stack, exc)
    tables.write("sample", tables.empty("sample"), snakemake.output.sample)
    status.write(snakemake.output.status, windows=0, skipped=str(exc), **facts)
else:
    tables.write("sample", sample, snakemake.output.sample)
    status.write(snakemake.output.status, windows=len(sample), **facts)
    counts = sample.groupby(["dataset", "split", "label"]).size()
    log.info("%d windows of %d frames for scope %s:\n%s", len(sample), int(w.stack), w.scope, counts.to_string())
