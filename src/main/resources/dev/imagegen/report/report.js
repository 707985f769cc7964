// The gallery's pager: page 1 is in the HTML; other pages are gallery/pNNNNN.js files, each calling
// imagegenGallery(n, items). Script tags (unlike fetch) load from the file system too, so the report works offline.
(function () {
  'use strict';
  var grid = document.getElementById('gallery');
  if (!grid) { return; }
  var pages = parseInt(grid.getAttribute('data-pages'), 10) || 0;
  var cache = {};
  var wanted = 1;
  var current = 1;

  function pad(n) { var s = String(n); while (s.length < 5) { s = '0' + s; } return s; }

  function tile(item) {
    var fig = document.createElement('figure');
    fig.className = 'tile';
    var a = document.createElement('a');
    a.className = 'pic';
    a.href = item.image;
    a.target = '_blank';
    a.rel = 'noopener';
    if (item.thumb) {
      var img = document.createElement('img');
      img.loading = 'lazy';
      img.decoding = 'async';
      img.src = item.thumb;
      img.alt = item.caption || item.id;
      a.appendChild(img);
    } else {
      var span = document.createElement('span');
      span.className = 'missing';
      span.textContent = 'image file missing';
      a.appendChild(span);
    }
    fig.appendChild(a);
    var cap = document.createElement('figcaption');
    cap.textContent = item.caption || '';
    cap.title = item.caption || '';
    fig.appendChild(cap);
    var meta = document.createElement('div');
    meta.className = 'meta';
    var cost = item.costUsd == null ? '' : ' · $' + Number(item.costUsd).toFixed(4);
    meta.textContent = item.id + ' · v' + item.variant + ' · ' + item.width + '×' + item.height + cost
        + (item.adopted ? ' · adopted' : '');
    fig.appendChild(meta);
    return fig;
  }

  function render(n) {
    var items = cache[n];
    var frag = document.createDocumentFragment();
    for (var i = 0; i < items.length; i++) { frag.appendChild(tile(items[i])); }
    grid.replaceChildren(frag);
    grid.setAttribute('data-page', String(n));
    current = n;
    updatePagers();
  }

  function show(n) {
    n = Math.max(1, Math.min(pages, n | 0));
    wanted = n;
    if (cache[n]) { render(n); return; }
    var s = document.createElement('script');
    s.src = 'gallery/p' + pad(n) + '.js';
    s.onerror = function () { grid.textContent = 'gallery page ' + n + ' could not be loaded'; };
    document.head.appendChild(s);
  }

  window.imagegenGallery = function (n, items) {
    cache[n] = items;
    if (n === wanted) { render(n); }
  };

  function updatePagers() {
    var navs = document.querySelectorAll('.pager');
    for (var i = 0; i < navs.length; i++) {
      var nav = navs[i];
      nav.querySelector('[data-go=first]').disabled = current <= 1;
      nav.querySelector('[data-go=prev]').disabled = current <= 1;
      nav.querySelector('[data-go=next]').disabled = current >= pages;
      nav.querySelector('[data-go=last]').disabled = current >= pages;
      nav.querySelector('input').value = current;
    }
    if (pages > 1 && location.hash !== '#page=' + current) {
      history.replaceState(null, '', '#page=' + current);
    }
  }

  var navs = document.querySelectorAll('.pager');
  for (var i = 0; i < navs.length; i++) {
    navs[i].addEventListener('click', function (e) {
      var go = e.target.getAttribute && e.target.getAttribute('data-go');
      if (go === 'first') { show(1); }
      if (go === 'prev') { show(current - 1); }
      if (go === 'next') { show(current + 1); }
      if (go === 'last') { show(pages); }
    });
    navs[i].querySelector('input').addEventListener('change', function (e) {
      show(parseInt(e.target.value, 10) || 1);
    });
  }
  var m = /^#page=(\d+)$/.exec(location.hash);
  if (m && +m[1] !== 1) { show(+m[1]); } else { updatePagers(); }
})();
