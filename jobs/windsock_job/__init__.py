"""What Windsock's built-in training jobs share: the job process contract (JSON events on stdout,
exit statuses, holds), hyperparameter checks, dataset spec and CSV reading, and PyTorch
checkpointing and ONNX export. Entry points put jobs/ on sys.path and import from here."""
