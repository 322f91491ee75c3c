// How the page names and writes a loss, with no DOM: one smoothing (a debiased exponential moving average of the
// single-document training losses) and one format, so the Training card, the loss chart, the run list, the compare
// chart and the experiments all give a run's final loss as the same figure with the same name and decimals.

export const SMOOTHING = 0.97;      // EMA weight: single-document losses are noisy, the trend is what matters
export const LOSS_DIGITS = 3;

// The names a final figure goes by everywhere on the page.
export const SMOOTHED_LOSS = "loss (smoothed)";
export const HELD_OUT_LOSS = "held-out loss";
// The same, opening a label ("Loss (smoothed)").
export const capitalised = (name) => name[0].toUpperCase() + name.slice(1);

// A loss as the page writes it: 3 decimals, or "–" for none.
export const formatLoss = (value) =>
  (value === null || value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(LOSS_DIGITS));

// An EMA that is fed one loss at a time and says the smoothed value so far; debiased, so early points are not pulled
// towards 0.
export class Smoother {
  constructor(weight = SMOOTHING) {
    this.weight = weight;
    this.ema = 0;
    this.count = 0;
  }

  add(loss) {
    this.ema = this.weight * this.ema + (1 - this.weight) * loss;
    this.count++;
    return this.ema / (1 - this.weight ** this.count);
  }
}

// Every smoothed value of a list of losses.
export function smoothLosses(losses, weight = SMOOTHING) {
  const smoother = new Smoother(weight);
  return losses.map((loss) => smoother.add(loss));
}

// A run's final figures from its training events ({loss, holdout_loss?}, the finite steps only): the last smoothed
// training loss and the last held-out loss, null when there is none.
export function finalLosses(events) {
  const finite = events.filter(({ loss }) => Number.isFinite(loss));
  const smoothed = smoothLosses(finite.map(({ loss }) => loss));
  const heldOut = events.findLast(({ holdout_loss: holdout }) => holdout !== undefined && holdout !== null);
  return { smoothed: smoothed.length ? smoothed[smoothed.length - 1] : null, holdout: heldOut?.holdout_loss ?? null };
}
