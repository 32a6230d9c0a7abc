"""Staff's photos: uploads are checked like WeChat's pictures, thumbnails are small and upright."""
import io

import pytest
from PIL import Image

from store import photos


def picture(size, mode="RGB", fmt="JPEG", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 0)).save(out, fmt, **save)
    return out.getvalue()


def test_a_thumbnail_is_a_small_jpeg_of_the_right_shape():
    thumb = Image.open(io.BytesIO(photos.make_thumbnail(picture((4000, 3000)))))
    assert thumb.format == "JPEG" and thumb.size == (360, 270)


def test_a_sideways_camera_photo_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    thumb = Image.open(io.BytesIO(photos.make_thumbnail(picture((400, 300), exif=exif))))
    assert thumb.size == (270, 360)


def test_a_transparent_png_goes_on_white_and_a_broken_file_gives_none():
    thumb = Image.open(io.BytesIO(photos.make_thumbnail(picture((50, 50), "RGBA", "PNG"))))
    assert thumb.getpixel((10, 10)) == (255, 255, 255)
    assert photos.make_thumbnail(b"\xff\xd8\xff" + b"not a jpeg") is None


@pytest.mark.parametrize("data, why", [(b"<svg onload=alert(1)>", "第 1 张不是照片"),
                                       (b"\xff\xd8\xff" + b"0" * photos.MAX_BYTES, "超过 10 MB")])
def test_an_upload_that_is_no_picture_is_refused(data, why):
    with pytest.raises(photos.NotAPicture, match=why):
        photos.add_upload(None, ticket_id=1, data=data, now=None)
