// Photos on the phone pages. A camera photo of 3-5 MB is redrawn at most 1600 px wide as a
// JPEG of a few hundred KB before the form is sent, so nine of them go in seconds on 4G;
// without createImageBitmap or DataTransfer the form simply posts the originals. The chosen
// pictures are shown under the input, and more than the limit are refused before sending.
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
        form.submit();
      });
    });
  });
})();
