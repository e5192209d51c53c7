from mlp_cifar.job import logged
from mlp_cifar.report.pdf import html_file_to_pdf

with logged(snakemake.log[0]):
    html_file_to_pdf(snakemake.input.html, snakemake.output.pdf)
