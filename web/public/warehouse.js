// Warehouse stations: keep the scan field focused (a keyboard-wedge scanner types into it), and
// sound a refusal (a wrong item, one too many, a weight to recount) so the picker hears it too.
(function () {
  var error = document.querySelector('[data-beep="error"]');
  if (error) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.type = 'square';
      osc.frequency.value = 220;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.35);
    } catch (e) { /* no audio: the red message stays */ }
  }
  var field = document.querySelector('input[autofocus]');
  if (field) field.focus();
})();
