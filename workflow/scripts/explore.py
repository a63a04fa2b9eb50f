"""A scope's explorer folder: pages, their data, audio clips and static files (rule explore)."""
from audio_umaps import explore, runlog, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
maps = []
for (representation, stack), table, status in zip(p.maps, snakemake.input.umaps, snakemake.input.statuses):
    spec = explore.MapSpec.of(representation, stack, w.scope, sample_rate=p.audio["sample_rate"],
                              params=p.representation_params[representation])
    embedding, skipped = tables.read_map(table, status, log)
    maps.append(explore.Map(spec, embedding, skipped, explore.read_scores(p.scores[spec.name])))
summaries = explore.build_scope(snakemake.output[0], w.scope, maps, systems=p.systems,
                                settings=explore.Settings.from_config(p.settings), audio_config=p.audio,
                                subject=p.subject, threads=snakemake.threads)
for s in summaries:
    log.info("%s: %d windows of %d files%s", s["page"], s["n"], s["files"], f" (no map: {s['skipped']})" if s["skipped"] else "")
