#!/usr/bin/env python3
"""Writes the JPEG fixtures of JPEGMetadataStripperTests with Pillow (`pip install pillow`), as phones send photos:
an MPF (MPO) file whose main image, with Exif (camera, serial number, orientation, GPS), XMP, a comment and an ICC
profile, is followed after its end-of-image marker by a second image, a depth map with an Exif block and GPS of its
own. The pixels are seeded noise, so the image data holds stuffed FF 00 bytes.

    baseline-mpo.jpg     baseline, a restart marker every 2 MCUs
    progressive-mpo.jpg  progressive with optimized Huffman tables (DHT between scans), a restart marker every row

Run from the repository root: python3 Tests/FormCoreTests/Fixtures/make-fixtures.py
"""
import random
from pathlib import Path

from PIL import Image, ImageCms

FOLDER = Path(__file__).parent


def noise(mode, size, seed):
    rng = random.Random(seed)
    channels = len(mode)
    pixels = bytes(
        min(255, (x * 5 + y * 3 + c * 60) % 256 // 2 + rng.randrange(128))
        for y in range(size[1]) for x in range(size[0]) for c in range(channels))
    return Image.frombytes(mode, size, pixels)


def exif(make, model, latitude, longitude, orientation=None, serial=None):
    data = Image.Exif()
    data[0x010F] = make
    data[0x0110] = model
    if orientation:
        data[0x0112] = orientation
    if serial:
        data.get_ifd(0x8769)[0xA431] = serial  # BodySerialNumber
    gps = data.get_ifd(0x8825)
    gps.update({1: "N", 2: latitude, 3: "E", 4: longitude})
    return data.tobytes()


def srgb():
    """An sRGB profile with a fixed creation date and no profile ID (which would cover the date): the same bytes on
    every run."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = bytes([0x07, 0xE8, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])  # 2024-01-01 00:00:00
    profile[84:100] = bytes(16)
    return bytes(profile)


def write(name, **options):
    photo = noise("RGB", (64, 40), seed=1)
    depth = noise("L", (24, 16), seed=2)
    depth.encoderinfo = {
        "exif": exif("DepthCam", "Depth unit 7", (48.0, 8.0, 15.5), (11.0, 34.0, 27.25)),
        "comment": b"depth map",
        "quality": 80,
    }
    photo.save(
        FOLDER / name, "MPO", save_all=True, append_images=[depth], quality=85,
        exif=exif("Canon", "EOS 5D Mark IV", (52.0, 31.0, 12.34), (13.0, 24.0, 56.78), orientation=6,
                  serial="SN012345678"),
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:Description exif:GPSLatitude='52,31.2057N'/></x:xmpmeta>",
        comment=b"Taken at Gartenstr. 5 by Max",
        icc_profile=srgb(),
        **options)
    data = (FOLDER / name).read_bytes()
    # The tests find the second image by its start-of-image marker: the main image must hold no other.
    assert data.count(b"\xff\xd8\xff") == 2, name
    with Image.open(FOLDER / name) as check:
        assert check.format == "MPO" and check.n_frames == 2, name
    print(name, len(data), "bytes, second image at", data.rindex(b"\xff\xd8\xff"))


write("baseline-mpo.jpg", restart_marker_blocks=2)
write("progressive-mpo.jpg", progressive=True, optimize=True, restart_marker_rows=1)
