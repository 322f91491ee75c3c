// The glossary: a word marked `<button type="button" class="term" data-term="token">` in the page shows a short
// definition while it is hovered or focused, and on a tap (touch screens have no hover); Escape hides it. The
// definition is the button's description (aria-describedby), so a screen reader reads it with the word.

const DEFINITIONS = {
  token: "A token is one unit the model reads and writes: here one character, plus one special token that marks " +
    "where a name starts and ends.",
  "held-out": "Held-out documents are kept out of training; the loss on them shows how the model does on names it " +
    "has never seen. They are cut to the context length too, so held-out losses of runs with different context " +
    "lengths are not like for like.",
  moments: "Adam keeps two running averages for every weight, its moments: of the gradient (β1 says how slowly it " +
    "forgets) and of the squared gradient (β2). A step moves the weight by the first over the square root of the " +
    "second, times the learning rate.",
  epsilon: "ε (epsilon) is added to that square root so that a weight whose gradients are all close to zero is " +
    "never divided by zero.",
  temperature: "The temperature divides the model's scores before they become probabilities: below 1 the likely " +
    "characters become likelier still, above 1 the choice flattens towards uniform.",
};

function attach(term) {
  const text = DEFINITIONS[term.dataset.term];
  if (!text) return;
  const tip = document.createElement("span");
  tip.id = `term-${term.dataset.term}`;
  tip.className = "tip";
  tip.setAttribute("role", "tooltip");
  tip.textContent = text;
  term.after(tip);
  term.setAttribute("aria-describedby", tip.id);
  term.setAttribute("aria-expanded", "false");
  const show = (open) => term.setAttribute("aria-expanded", String(open));
  term.addEventListener("click", () => show(term.getAttribute("aria-expanded") !== "true"));
  term.addEventListener("blur", () => show(false));
  term.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      term.classList.add("dismissed");
      show(false);
    }
  });
  term.addEventListener("focus", () => term.classList.remove("dismissed"));
  term.addEventListener("mouseenter", () => term.classList.remove("dismissed"));
}

for (const term of document.querySelectorAll(".term[data-term]")) attach(term);
