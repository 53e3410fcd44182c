#!/usr/bin/env python3
"""Tiled vs whole-image output on Set5 (x2): mean PSNR_Y with `smsr eval`, whole images and SMSR_TILE=N tiles.

Channel attention averages over a tile instead of the whole image, so tiles change the output slightly;
this prints by how much, per tile size. Also reports the peak RSS of a 1920x1080 x2 run with defaults.
"""
import argparse
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def run(args, env=None):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True, help="a release smsr (bench.py builds one)")
    parser.add_argument("--model", default=os.path.join(SHARED, "models", "smsr_x2_official.safetensors"))
    parser.add_argument("--tiles", default="128,64,48")
    opts = parser.parse_args()
    hr = os.path.join(SHARED, "datasets", "Set5", "HR")
    lr = os.path.join(SHARED, "datasets", "Set5", "LR_bicubic", "X2")

    def evaluate(tile):
        env = dict(os.environ)
        env.pop("SMSR_TILE", None)
        if tile:
            env["SMSR_TILE"] = str(tile)
        out = json.loads(run([opts.binary, "eval", "--model", opts.model, "--scale", "2", "--hr", hr, "--lr", lr, "--json"], env))
        return out["mean_psnr_y"], out["mean_ssim_y"], {i["name"]: i["psnr_y"] for i in out["images"]}

    whole, whole_ssim, per_image = evaluate(None)
    print(f"whole images: mean PSNR_Y {whole:.4f} dB, SSIM_Y {whole_ssim:.5f}")
    for tile in [int(t) for t in opts.tiles.split(",")]:
        psnr, ssim, images = evaluate(tile)
        worst = max(abs(images[n] - per_image[n]) for n in images)
        print(f"tiles of {tile:>4} px (overlap 24): mean PSNR_Y {psnr:.4f} dB (diff {psnr - whole:+.4f}), "
              f"worst image diff {worst:.4f} dB, SSIM_Y {ssim:.5f}")

    # Peak RSS for a 1920x1080 input at x2, default settings: the benchmark image tiled 3 x 3 into a PNG.
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big_1920x1080.png")
        source = os.path.join(SHARED, "reference", "bench_640x360_lr.png")
        run(["python3", "-c", (
            "import sys, zlib, struct\n"
            "def chunks(d):\n"
            "  i=8\n"
            "  while i<len(d):\n"
            "    n=struct.unpack('>I',d[i:i+4])[0]; yield d[i+4:i+8], d[i+8:i+8+n]; i+=12+n\n"
            "d=open(sys.argv[1],'rb').read(); ihdr=None; idat=b''\n"
            "for t,c in chunks(d):\n"
            "  if t==b'IHDR': ihdr=c\n"
            "  if t==b'IDAT': idat+=c\n"
            "w,h,bd,ct=struct.unpack('>IIBB',ihdr[:10]); assert bd==8 and ct==2 and ihdr[12]==0\n"
            "raw=zlib.decompress(idat); bpp=3; stride=w*bpp; rows=[]; prev=bytearray(stride)\n"
            "for y in range(h):\n"
            "  f=raw[y*(stride+1)]; line=bytearray(raw[y*(stride+1)+1:(y+1)*(stride+1)])\n"
            "  for x in range(stride):\n"
            "    a=line[x-bpp] if x>=bpp else 0; b=prev[x]; c=prev[x-bpp] if x>=bpp else 0\n"
            "    if f==1: line[x]=(line[x]+a)&255\n"
            "    elif f==2: line[x]=(line[x]+b)&255\n"
            "    elif f==3: line[x]=(line[x]+(a+b)//2)&255\n"
            "    elif f==4:\n"
            "      p=a+b-c; pa=abs(p-a); pb=abs(p-b); pc=abs(p-c)\n"
            "      line[x]=(line[x]+(a if pa<=pb and pa<=pc else b if pb<=pc else c))&255\n"
            "  rows.append(bytes(line)); prev=line\n"
            "out=b''.join(b'\\x00'+r*3 for _ in range(3) for r in rows)\n"
            "def chunk(t,c): return struct.pack('>I',len(c))+t+c+struct.pack('>I',zlib.crc32(t+c))\n"
            "png=b'\\x89PNG\\r\\n\\x1a\\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',3*w,3*h,8,2,0,0,0))+chunk(b'IDAT',zlib.compress(out))+chunk(b'IEND',b'')\n"
            "open(sys.argv[2],'wb').write(png)\n"), source, big])
        env = dict(os.environ)
        env.pop("SMSR_TILE", None)
        out = json.loads(run([opts.binary, "bench", "--model", opts.model, "--input", big, "--runs", "1", "--json"], env))
        print(f"1920x1080 x2, defaults: {out['median_ms']:.0f} ms, peak RSS {out['peak_rss_bytes'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
