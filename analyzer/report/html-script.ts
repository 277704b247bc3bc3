// The script inlined into the HTML report: sorting by column, filtering by text and status.
// The initial view can come from the URL fragment so that it can be shared:
// #q=write&status=missing,stub&sort=-sites (sort key nr, name, rank, sites or from; '-' for descending).
export const reportScript = `
(function () {
  var table = document.getElementById('syscalls');
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var query = document.getElementById('filter');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-status]'));
  var shown = document.getElementById('shown');

  function apply() {
    var q = query.value.trim().toLowerCase();
    var wanted = {};
    boxes.forEach(function (b) { wanted[b.getAttribute('data-status')] = b.checked; });
    var n = 0;
    rows.forEach(function (r) {
      var ok = wanted[r.getAttribute('data-status')] && (q === '' || r.getAttribute('data-search').indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' shown';
  }

  function sortBy(th) {
    var key = th.getAttribute('data-key');
    var numeric = th.classList.contains('num') || key === 'rank';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    rows.sort(function (a, b) {
      var x = a.getAttribute('data-' + key), y = b.getAttribute('data-' + key);
      var d = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return d !== 0 ? dir * d : Number(a.getAttribute('data-nr')) - Number(b.getAttribute('data-nr'));
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector('button');
    if (button) button.addEventListener('click', function () { sortBy(th); });
  });
  query.addEventListener('input', apply);
  boxes.forEach(function (b) { b.addEventListener('change', apply); });

  var toggle = document.getElementById('expand');
  if (toggle) toggle.addEventListener('click', function () {
    var all = document.querySelectorAll('#syscalls details');
    var open = Array.prototype.some.call(all, function (d) { return !d.open; });
    Array.prototype.forEach.call(all, function (d) { d.open = open; });
    toggle.textContent = open ? 'Collapse all' : 'Expand all';
  });

  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('q')) query.value = params.get('q');
  if (params.has('status')) {
    var list = params.get('status').split(',');
    boxes.forEach(function (b) { b.checked = list.indexOf(b.getAttribute('data-status')) >= 0; });
  }
  var sort = params.get('sort') || '';
  var th = table.tHead.querySelector('th[data-key="' + sort.replace(/^-/, '').replace(/[^a-z]/g, '') + '"]');
  if (th) {
    th.removeAttribute('aria-sort');
    sortBy(th);
    if (sort.charAt(0) === '-') sortBy(th);
  }
  apply();
})();
`;
