// The worker's phone pages: photos and the location.
// Photos: a camera photo of 3-5 MB is redrawn at most 1600 px wide as a
// JPEG of a few hundred KB before the form is sent, so nine of them go in seconds on 4G;
// without createImageBitmap or DataTransfer the form simply posts the originals. The chosen
// pictures are shown under the input, and more than the limit are refused before sending.
// In real WeChat (window.wx, configured by the page) the JS-SDK's chooseImage / uploadImage
// take the photos instead (their serverIds go as media_id, downloaded by the server like a
// resident's picture) and getLocation the place (GCJ-02, as WeChat's location messages).
// Location: a form with [data-locate] fills its lat / lng fields, at once and on its button.
(function () {
  var MAX_PX = 1600;

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp|bmp)$/.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_PX / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 400 * 1024) return file;
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (done) {
        canvas.toBlob(function (blob) {
          done(blob && blob.size < file.size
            ? new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' })
            : file);
        }, 'image/jpeg', 0.82);
      });
    }).catch(function () { return file; });
  }

  function show(input) {
    var box = input.parentNode.querySelector('.chosen');
    if (!box) return;
    box.textContent = '';
    Array.prototype.forEach.call(input.files, function (file) {
      var img = document.createElement('img');
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      box.appendChild(img);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-photos]'), function (form) {
    var input = form.querySelector('input[type=file]');
    if (!input) return;
    input.addEventListener('change', function () { show(input); });
    form.addEventListener('submit', function (event) {
      var max = parseInt(input.getAttribute('data-max') || '9', 10);
      if (input.files.length > max) {
        event.preventDefault();
        alert('最多上传 ' + max + ' 张照片，您选了 ' + input.files.length + ' 张');
        return;
      }
      if (form.getAttribute('data-shrunk') || !input.files.length
          || !window.createImageBitmap || !window.DataTransfer) return;
      event.preventDefault();
      var button = form.querySelector('button:not([type=button])');
      if (button) { button.disabled = true; button.textContent = '正在上传照片…'; }
      Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
        try {
          var list = new DataTransfer();
          files.forEach(function (file) { list.items.add(file); });
          input.files = list.files;
        } catch (ignored) { /* the originals go */ }
        form.setAttribute('data-shrunk', '1');
        HTMLFormElement.prototype.submit.call(form);  // whatever a field is named
      });
    });
  });

  // --- the location ---------------------------------------------------------------------
  function browserLocate(found, failed) {
    if (!navigator.geolocation) return failed('此浏览器无法定位');
    navigator.geolocation.getCurrentPosition(function (p) { found(p.coords.latitude, p.coords.longitude, 'wgs84'); },
      function () { failed('未能定位（可不填位置直接上报）'); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  var locate = browserLocate;
  var locators = [];
  Array.prototype.forEach.call(document.querySelectorAll('form[data-locate]'), function (form) {
    var lat = form.querySelector('[name=lat]'), lng = form.querySelector('[name=lng]'),
        datum = form.querySelector('[name=datum]'),
        where = form.querySelector('.where'), button = form.querySelector('.locate');
    function run() {
      where.textContent = '正在定位…';
      locate(function (latitude, longitude, system) {
        lat.value = latitude.toFixed(6); lng.value = longitude.toFixed(6);
        if (datum) datum.value = system;  // the server moves WGS-84 onto the maps' GCJ-02
        where.textContent = '已定位：纬度 ' + lat.value + '，经度 ' + lng.value;
      }, function (why) { where.textContent = why; });
    }
    locators.push(run);
    if (button) button.addEventListener('click', run);
    if (!lat.value) run();
  });

  // --- real WeChat: the JS-SDK ----------------------------------------------------------
  if (window.wx && wx.ready) wx.ready(function () {
    locate = function (found, failed) {
      wx.getLocation({ type: 'gcj02', success: function (r) { found(r.latitude, r.longitude, 'gcj02'); },
                       fail: function () { failed('未能定位（可不填位置直接上报）'); } });
    };
    locators.forEach(function (run) { run(); });
    Array.prototype.forEach.call(document.querySelectorAll('form[data-photos]'), function (form) {
      var input = form.querySelector('input[type=file]');
      if (!input) return;
      var max = parseInt(input.getAttribute('data-max') || '9', 10);
      var box = form.querySelector('.chosen'), pick = document.createElement('button');
      pick.type = 'button'; pick.className = 'secondary'; pick.textContent = '拍照 / 选照片';
      input.hidden = true; input.parentNode.insertBefore(pick, input);
      pick.addEventListener('click', function () {
        var have = form.querySelectorAll('input[name=media_id]').length;
        wx.chooseImage({ count: Math.max(1, max - have), sizeType: ['compressed'],
          success: function (chosen) {
            (function next(ids) {
              if (!ids.length) return;
              wx.uploadImage({ localId: ids[0], isShowProgressTips: 1, success: function (r) {
                var field = document.createElement('input');
                field.type = 'hidden'; field.name = 'media_id'; field.value = r.serverId;
                form.appendChild(field);
                box.textContent = '已选 ' + form.querySelectorAll('input[name=media_id]').length + ' 张照片';
                next(ids.slice(1));
              } });
            })(chosen.localIds.slice(0, max - have));
          } });
      });
    });
  });
})();
