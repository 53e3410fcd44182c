import HTTPServer

/// `GET /`: a self-contained demo page (no external assets, works offline; its icon is inline). Choose or
/// drop an image, or run the built-in sample; the page uploads it to `/v1/upscale` and `/v1/masks` and shows
/// the original and the result side by side under a slider, the input and output sizes, the FLOPs the masks
/// saved, the stage timings and the mask picture with a key to its panels. `/?sample=1` runs the sample on
/// load, which is how the page is tested in a headless browser.
enum DemoPage {
    static func response(requestID: String) -> Response {
        Response(status: 200,
                 headers: ["Content-Type": "text/html; charset=utf-8", "X-Request-ID": requestID,
                           "Cache-Control": "no-cache",
                           "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"],
                 body: Array(html.utf8))
    }

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>smsr-serve</title>
        <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%231d232a'/%3E%3Crect x='2' y='2' width='5' height='5' fill='%23e6194b'/%3E%3Crect x='9' y='2' width='5' height='5' fill='%233cb44b'/%3E%3Crect x='2' y='9' width='5' height='5' fill='%230082c8'/%3E%3Crect x='9' y='9' width='5' height='5' fill='%23ffe119'/%3E%3C/svg%3E">
        <style>
          body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem; color: #1d232a; }
          h1 { font-size: 1.4rem; margin: .2rem 0 .1rem; } .muted { color: #5b6670; }
          #drop { border: 2px dashed #9aa7b3; border-radius: 10px; padding: 1.2rem; text-align: center; margin: 1rem 0; }
          #drop.over { background: #eef5ff; border-color: #3b82f6; }
          .row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
          button, select, input[type=password] { font: inherit; padding: .35rem .7rem; }
          #compare { position: relative; width: min(100%, 720px); background: #eee; margin-top: .8rem; }
          #compare img { display: block; width: 100%; height: auto; }
          #compare #before { position: absolute; inset: 0; width: 100%; height: 100%; image-rendering: auto; clip-path: inset(0 50% 0 0); }
          #compare .label { position: absolute; top: .4rem; background: #000a; color: #fff; padding: .1rem .4rem; font-size: .8rem; border-radius: 4px; }
          #slider { width: 100%; max-width: 600px; }
          table { border-collapse: collapse; margin-top: .6rem; } td { padding: .15rem .8rem .15rem 0; }
          #masks { width: min(100%, 720px); image-rendering: pixelated; margin-top: .6rem; }
          #status[data-state=error] { color: #b91c1c; }
          #legend { margin: .3rem 0 0 1.2rem; padding: 0; } #legend li { margin: .15rem 0; }
          .swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -.1em; margin-right: .15em; }
          .ramp { display: inline-block; width: 5em; height: .9em; vertical-align: -.1em; background: linear-gradient(90deg, rgb(20,20,90), rgb(255,235,30)); }
          [hidden] { display: none !important; }
        </style>
        </head>
        <body>
        <h1>smsr-serve</h1>
        <p class="muted">Super-resolution with sparse masks (SMSR): the network computes its sparse channels only
        where its masks say detail matters, and reports how much work that saved.</p>

        <div class="row">
          <label>Scale <select id="scale"></select></label>
          <label>Format <select id="format"><option value="">same as input</option><option>png</option><option>jpeg</option><option>webp</option></select></label>
          <label>API key <input id="apikey" type="password" autocomplete="off" placeholder="if the server needs one"></label>
          <span id="models" class="muted">loading models…</span>
        </div>
        <div id="drop">Drop a PNG, JPEG or WebP here, or <input id="file" type="file" accept="image/png,image/jpeg,image/webp">
          or <button id="sample" type="button">run the built-in sample</button></div>
        <p id="status" data-state="idle" class="muted">Choose an image.</p>

        <section id="result" hidden>
          <div id="compare">
            <img id="after" alt="upscaled by SMSR">
            <img id="before" alt="original, enlarged by the browser">
            <span class="label" style="left:.4rem">original (browser resize)</span>
            <span class="label" style="right:.4rem">SMSR</span>
          </div>
          <div><input id="slider" type="range" min="0" max="100" value="50" aria-label="comparison position"></div>
          <table>
            <tr><td>Input size</td><td id="insize"></td></tr>
            <tr><td>Output size</td><td id="size"></td></tr>
            <tr><td>FLOPs saved by the masks</td><td id="saved"></td></tr>
            <tr><td>FLOPs executed / dense</td><td id="flops"></td></tr>
            <tr><td>Timings (ms)</td><td id="timings"></td></tr>
            <tr><td>Request</td><td id="requestid"></td></tr>
          </table>
          <h2 style="font-size:1.1rem">Where the network computed</h2>
          <ul id="legend" class="muted">
            <li>One panel per sparse mask block, in the network's order (left to right, then down): the input, dimmed,
              tinted in the block's colour (<span class="swatch" style="background:#e6194b"></span><span class="swatch" style="background:#3cb44b"></span><span class="swatch" style="background:#ffe119"></span><span class="swatch" style="background:#0082c8"></span><span class="swatch" style="background:#f58230"></span>...)
              where that block computed its sparse channels; elsewhere it skipped them.</li>
            <li>The last panel counts, at each pixel, how many blocks computed there: <span class="ramp"></span> from
              dark blue (none) to bright yellow (all).</li>
          </ul>
          <img id="masks" alt="spatial masks per block, then how many blocks computed at each pixel">
          <p><a id="download" download>Download the result</a></p>
        </section>

        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const status = (text, state) => { $("status").textContent = text; $("status").dataset.state = state; };
        function authHeaders() {
          const key = $("apikey").value.trim();
          return key ? { "Authorization": "Bearer " + key } : {};
        }
        async function problem(response) {
          try { const p = await response.json(); return p.detail || p.title || response.statusText; }
          catch (_) { return response.status + " " + response.statusText; }
        }
        async function loadModels() {
          try {
            const response = await fetch("/v1/models", { headers: authHeaders() });
            if (!response.ok) { $("models").textContent = "models: " + await problem(response); return; }
            const body = await response.json();
            const models = body.models || body;
            $("scale").innerHTML = "";
            for (const m of models) {
              const option = document.createElement("option");
              option.value = m.scale; option.textContent = "x" + m.scale;
              if (m.default) option.selected = true;
              $("scale").appendChild(option);
            }
            $("models").textContent = models.map((m) => "x" + m.scale + " (" + m.source + ")").join(", ");
            $("models").dataset.count = models.length;
          } catch (error) { $("models").textContent = "models: " + error; }
        }
        function parseTiming(header) {
          return (header || "").split(",").map((part) => {
            const [name, ...params] = part.trim().split(";");
            const dur = params.map((p) => p.trim()).find((p) => p.startsWith("dur="));
            return name ? name + " " + (dur ? Number(dur.slice(4)).toFixed(1) : "?") : "";
          }).filter(Boolean).join(", ");
        }
        async function upscale(blob, type) {
          status("Upscaling…", "working");
          const query = new URLSearchParams();
          if ($("scale").value) query.set("scale", $("scale").value);
          if ($("format").value) query.set("format", $("format").value);
          const init = { method: "POST", body: blob, headers: Object.assign({ "Content-Type": type }, authHeaders()) };
          try {
            const [up, masks] = await Promise.all([
              fetch("/v1/upscale?" + query, init),
              fetch("/v1/masks?" + new URLSearchParams({ scale: $("scale").value }), init),
            ]);
            if (!up.ok) { status("Upscale failed: " + await problem(up), "error"); return; }
            const bytes = await up.arrayBuffer();
            const result = new Blob([bytes], { type: up.headers.get("Content-Type") || "image/png" });
            const dense = Number(up.headers.get("SMSR-FLOPs-Dense"));
            const executed = Number(up.headers.get("SMSR-FLOPs-Executed"));
            const saved = Number(up.headers.get("SMSR-FLOPs-Saved"));
            const before = URL.createObjectURL(blob), after = URL.createObjectURL(result);
            $("before").src = before; $("after").src = after; $("download").href = after;
            $("download").setAttribute("download", "upscaled." + ({ "image/jpeg": "jpg", "image/webp": "webp" }[result.type] || "png"));
            const dimensions = (header) => (up.headers.get(header) || "").replace("x", " × ");
            $("insize").textContent = dimensions("SMSR-Input-Size");
            $("size").textContent = dimensions("SMSR-Output-Size");
            $("saved").textContent = (100 * saved).toFixed(1) + " %";
            $("flops").textContent = (executed / 1e9).toFixed(3) + " G / " + (dense / 1e9).toFixed(3) + " G multiply-accumulates";
            $("timings").textContent = parseTiming(up.headers.get("Server-Timing"));
            $("requestid").textContent = up.headers.get("X-Request-ID") || "";
            if (masks.ok) { $("masks").src = URL.createObjectURL(await masks.blob()); $("masks").hidden = false; }
            else { $("masks").hidden = true; }
            $("result").hidden = false;
            status("Done: the masks saved " + (100 * saved).toFixed(1) + " % of the work.", "done");
          } catch (error) { status("Request failed: " + error, "error"); }
        }
        /// A synthetic picture (smooth gradient, sharp edges, fine stripes) so the masks have something to find.
        function sampleImage() {
          const canvas = document.createElement("canvas");
          canvas.width = 96; canvas.height = 64;
          const g = canvas.getContext("2d");
          const gradient = g.createLinearGradient(0, 0, 96, 64);
          gradient.addColorStop(0, "#f2c14e"); gradient.addColorStop(1, "#3d5a80");
          g.fillStyle = gradient; g.fillRect(0, 0, 96, 64);
          g.fillStyle = "#ee6c4d"; g.beginPath(); g.arc(30, 30, 16, 0, 2 * Math.PI); g.fill();
          g.strokeStyle = "#1d232a"; g.lineWidth = 1;
          for (let x = 56; x < 92; x += 3) { g.beginPath(); g.moveTo(x, 8); g.lineTo(x + 6, 56); g.stroke(); }
          // toDataURL is synchronous (toBlob's callback can stall in headless browsers with virtual time).
          const bytes = atob(canvas.toDataURL("image/png").split(",")[1]);
          return new Blob([Uint8Array.from(bytes, (c) => c.charCodeAt(0))], { type: "image/png" });
        }
        function accept(file) {
          if (!file) return;
          if (!/^image\\/(png|jpeg|webp)$/.test(file.type)) { status("Please choose a PNG, JPEG or WebP image.", "error"); return; }
          upscale(file, file.type);
        }
        $("file").addEventListener("change", (e) => accept(e.target.files[0]));
        $("sample").addEventListener("click", () => upscale(sampleImage(), "image/png"));
        $("slider").addEventListener("input", (e) => { $("before").style.clipPath = "inset(0 " + (100 - e.target.value) + "% 0 0)"; });
        const drop = $("drop");
        drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
        drop.addEventListener("dragleave", () => drop.classList.remove("over"));
        drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); accept(e.dataTransfer.files[0]); });
        loadModels().then(() => {
          if (new URLSearchParams(location.search).has("sample")) upscale(sampleImage(), "image/png");
        });
        </script>
        </body>
        </html>

        """
}
