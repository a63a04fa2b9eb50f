"""A scope's explorer folder: pages, their data, the scope's clips and static files (rule explore)."""

from audio_umaps import explore, runlog

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
maps = explore.read_maps(
    p.maps,
    snakemake.input.umaps,
    snakemake.input.statuses,
    w.scope,
    sample_rate=p.sample_rate,
    representation_params=p.representation_params,
    scores=p.scores,
    log=log,
    windowing=p.windowing,
)
summaries = explore.write_scope_pages(
    snakemake.output[0],
    snakemake.input.clips,
    w.scope,
    maps,
    systems=p.systems,
    settings=explore.Settings.from_config(p.settings),
    subject=p.subject,
    colours=explore.explorer_colours(p.palette, device=p.device),
)
for s in summaries:
    log.info(
        "%s: %d windows of %d files%s",
        s["page"],
        s["n"],
        s["files"],
        f" (no map: {s['skipped']})" if s["skipped"] else "",
    )
