"""Read and score one system's DCASE submission files (rule predictions): every problem is
listed with its file and line, and the rest is used."""

from audio_umaps import predictions, runlog, tables

log = runlog.start(snakemake.log[0])
system = snakemake.wildcards.system
manifest = tables.read_many("manifest", snakemake.input.manifests)
test = predictions.with_full_names(manifest[manifest["split"] == "test"], snakemake.params.ground_truths)
files, problems = predictions.read_submission(
    system, snakemake.params.folder, test, csv_files=list(snakemake.input.csv)
)
for row in problems.itertuples(index=False):
    log.warning("predictions.%s: %s%s: %s", system, row.file, f":{row.line}" if row.line else "", row.problem)
scores = predictions.official_rows(system, files, snakemake.params.sections)
tables.write("prediction_files", files, snakemake.output.files)
tables.write("metrics", scores, snakemake.output.scores)
tables.write("problems", problems, snakemake.output.problems)
log.info("system %s: %d test files scored, %d problem(s)", system, len(files), len(problems))
