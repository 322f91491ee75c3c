// How the page writes a number or a weight matrix's name wherever it shows one (the losses' own format is losses.js).

// A number in plain decimals, never e-notation, to `digits` significant digits (at most `maxDecimals` decimals):
// 0.0032, 0.41, 12 with the defaults. Intl, not toFixed: toFixed turns to e-notation from 1e21 up.
export function plainNumber(value, { digits = 2, maxDecimals = 20 } = {}) {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const decimals = Math.min(maxDecimals, Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value)))));
  return new Intl.NumberFormat("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals,
    useGrouping: false }).format(value);
}

// A weight matrix as the page names it: layers counted from 1, as every view numbers them ("layer 1 attn_wq"); the
// others (wte, wpe, lm_head) as Python names them. layer: from 1, or null.
export const matrixName = (layer, part) => (layer ? `layer ${layer} ${part}` : part);
