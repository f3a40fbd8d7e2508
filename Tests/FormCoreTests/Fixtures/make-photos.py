# Makes the photos in this folder (run by hand; the tests only read them): small real PNG, WebP and HEIC files
# carrying what the metadata strippers must take out — Exif with camera make, model and a GPS position, an XMP packet
# with the same position, text chunks — beside what they must keep (ICC profile, pHYs, gAMA, APNG frames).
#   pip install pillow pillow-heif; python3 make-photos.py
# Pillow 13.0 and pillow-heif 1.8.1 (libheif 1.23.6, x265) wrote the committed files; other versions write other
# bytes, and HEICMetadataBlankerTests names byte offsets of gps.heic.
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
import io, struct, zlib
from PIL import Image, ImageCms, PngImagePlugin
import pillow_heif
pillow_heif.register_heif_opener()

def gradient(w, h):
    im = Image.new("RGB", (w, h))
    im.putdata([((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), 128) for y in range(h) for x in range(w)])
    return im

def exif():
    e = Image.Exif()
    e[0x010F] = "CanonSpy"          # Make
    e[0x0110] = "EOS Secret SN 0123456789"  # Model
    e[0x0131] = "SecretSoft 1.0"    # Software
    gps = {1: "N", 2: (52.0, 31.0, 12.34), 3: "E", 4: (13.0, 24.0, 36.5), 0: b"\x02\x02\x00\x00"}
    e[0x8825] = gps
    return e.tobytes()

XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,31.2057N" '
       b'exif:GPSLongitude="13,24.6083E"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

# PNG: text, compressed text, international text (XMP), eXIf, tIME, plus iCCP, pHYs, gAMA kept.
im = gradient(16, 16)
info = PngImagePlugin.PngInfo()
info.add_text("Comment", "Taken at Gartenstr. 5 by Max")
info.add_text("Location", "Berlin Gartenstr", zip=True)
info.add_itxt("XML:com.adobe.xmp", XMP.decode())
buf = io.BytesIO()
im.save(buf, "PNG", pnginfo=info, exif=exif(), icc_profile=icc, dpi=(300, 300))
png = buf.getvalue()
# tIME and a gAMA before IDAT
i = png.index(b"IDAT") - 4
png = png[:i] + chunk(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 10, 30, 0)) + chunk(b"gAMA", struct.pack(">I", 45455)) + png[i:]
open("gps.png", "wb").write(png)

# APNG with two frames and a text chunk
frames = [gradient(8, 8), gradient(8, 8).transpose(Image.FLIP_LEFT_RIGHT)]
info = PngImagePlugin.PngInfo(); info.add_text("Author", "Max Secret")
buf = io.BytesIO()
frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0, pnginfo=info)
open("anim.png", "wb").write(buf.getvalue())

# WebP lossy with ICC, Exif, XMP (extended format, VP8X)
buf = io.BytesIO()
gradient(16, 16).save(buf, "WEBP", quality=80, exif=exif(), xmp=XMP, icc_profile=icc)
open("gps.webp", "wb").write(buf.getvalue())
# WebP lossless with Exif only (odd size chunk possible), and a simple one
buf = io.BytesIO()
gradient(7, 5).save(buf, "WEBP", lossless=True, exif=exif() + b"!")
open("gps-lossless.webp", "wb").write(buf.getvalue())
buf = io.BytesIO()
gradient(8, 8).save(buf, "WEBP", lossless=True)
open("plain.webp", "wb").write(buf.getvalue())

# HEIC with Exif and XMP
buf = io.BytesIO()
gradient(64, 64).save(buf, "HEIF", quality=70, exif=exif(), xmp=XMP)
open("gps.heic", "wb").write(buf.getvalue())
