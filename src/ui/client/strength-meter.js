// The password-strength meter (issue 16): zxcvbn-ts in the browser, bundled by scripts/build-client.mjs and
// served as /assets/strength.<hash>.js. Loaded only when someone focuses a new-password field (ui/strength.tsx);
// the password never leaves the page. The server's own rules (length, breached, common passwords) still decide.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

/** The other fields of the form whose values make a password weak (email, name, team). */
function userInputs(input) {
  const names = (input.dataset.strengthInputs ?? "").split(",").filter(Boolean);
  return names.map((n) => input.form?.elements.namedItem(n)?.value ?? "").filter(Boolean);
}

function wire(input) {
  const box = document.getElementById(input.dataset.strength ?? "");
  if (!box) return;
  const meter = box.querySelector("meter");
  const label = box.querySelector("[data-label]");
  const labels = (box.dataset.labels ?? "").split("|");
  box.hidden = false;
  let timer;
  const update = () => {
    const value = input.value;
    if (value === "") {
      meter.value = 0;
      label.textContent = "";
      return;
    }
    const { score } = zxcvbn.check(value.slice(0, 256), userInputs(input));
    meter.value = score;
    label.textContent = labels[score] ?? "";
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
  update();
}

for (const input of document.querySelectorAll("input[data-strength]")) wire(input);
