// Playbook rule form: show only the settings of the chosen trigger. Each setting's input
// carries data-for-triggers="<trigger> …" (touchmodel.forms.RuleForm); without JavaScript
// every setting stays visible and the server ignores the ones the trigger does not read.
(function () {
  function sync(form) {
    var trigger = form.querySelector("#id_trigger");
    if (!trigger) return;
    form.querySelectorAll("[data-for-triggers]").forEach(function (input) {
      var wanted = input.getAttribute("data-for-triggers").split(" ");
      var box = input.closest("div") || input;
      var shown = wanted.indexOf(trigger.value) !== -1;
      box.hidden = !shown;
      box.setAttribute("data-trigger-field", shown ? "shown" : "hidden");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-rule-form]").forEach(function (form) {
      sync(form);
      form.querySelector("#id_trigger").addEventListener("change", function () { sync(form); });
    });
  });
})();
