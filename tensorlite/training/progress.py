"""fit()'s progress display: a tqdm bar on a terminal, else a table row every verbose_frequency."""
from __future__ import annotations

import sys

__all__ = ["Progress"]


def remaining_iterations(batches: int, max_epochs: int, epoch: int, batches_done: int) -> int:
    """Iterations fit() has left to run: epochs epoch+1 .. max_epochs of ``batches`` mini-batches
    each, less the ``batches_done`` of the first one (a resume in the middle of an epoch).

    Example:
    >>> from tensorlite.training.progress import remaining_iterations
    >>> remaining_iterations(batches=5, max_epochs=3, epoch=0, batches_done=0)
    15
    >>> remaining_iterations(batches=5, max_epochs=3, epoch=1, batches_done=2)  # resumed in epoch 2
    8
    """
    return max(0, max_epochs - epoch) * batches - batches_done if epoch < max_epochs else 0


class Progress:
    """tqdm on a terminal when installed and verbose; else a table row every verbose_frequency.

    The bar counts iterations: it starts at ``iteration`` (those a resumed run already did) and
    its total is that plus the iterations left (``remaining_iterations``), so it ends full; a run
    stopped early (validation patience, an output function) ends the bar at what ran.

    Example:
    >>> from tensorlite.training.progress import Progress
    >>> options = tl.training.TrainingOptions(verbose=False)
    >>> progress = Progress(options, "accuracy", batches=4, epoch=0, iteration=0, batches_done=0)
    >>> progress.total
    120
    """

    def __init__(self, options, metric: str, batches: int, epoch: int, iteration: int, batches_done: int):
        self.options, self.metric, self.bar = options, metric, None
        self.header_printed = False
        self.total = iteration + remaining_iterations(batches, options.max_epochs, epoch, batches_done)
        if options.verbose and sys.stdout.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=self.total, initial=iteration, unit="it", leave=True)
            except ImportError:
                pass

    def update(self, row: dict, force: bool = False) -> None:
        """Show a new iteration's row; force=True shows a row again (after the final validation)
        whatever verbose_frequency says, without counting an iteration."""
        if not self.options.verbose:
            return
        if self.bar is not None:
            if not force:
                self.bar.update(1)
            self.bar.set_postfix(epoch=row["epoch"], loss=f"{row['loss']:.4f}",
                                 **{self.metric: f"{row[self.metric]:.4f}"})
            return
        if force or row["iteration"] % self.options.verbose_frequency == 0 or row["iteration"] == 1:
            if not self.header_printed:
                print(f"| {'Epoch':>5} | {'Iteration':>9} | {'Time (s)':>8} | {'Loss':>9} | "
                      f"{self.metric.capitalize():>9} | {'Val loss':>9} | {'Learn rate':>10} |")
                self.header_printed = True
            validation = row.get("validation_loss")
            print(f"| {row['epoch']:>5} | {row['iteration']:>9} | {row['time_since_start']:>8.2f} | "
                  f"{row['loss']:>9.4f} | {row[self.metric]:>9.4f} | "
                  f"{'' if validation is None else f'{validation:.4f}':>9} | {row['base_learn_rate']:>10.3g} |")

    def close(self) -> None:
        if self.bar is not None:
            if self.bar.n < self.bar.total:  # stopped early: the bar's length is what ran
                self.bar.total = self.bar.n
                self.bar.refresh()
            self.bar.close()
