"""Make the README's dashboard screenshots from a real run: digits, error against memory (two
objectives, the default ehvi), a latency budget at the 90th percentile calibrated with
--violation-rate 0.2, 1 epoch, 12 evaluations; then `hyperpower dashboard` in headless Chromium.

    python docs/dashboard/make_screenshots.py [--keep DIR]

Writes docs/dashboard/overview.png (the top of the page) and docs/dashboard/front.png (the Pareto
front figure). Needs Debian's chromium and chromium-driver and the test extra (selenium). Takes a
few minutes on a laptop CPU: the run trains and measures real Keras networks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1180", "--hide-scrollbars")


def hyperpower(*args: str) -> None:
    print("$ hyperpower", " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "hyperpower", *args], check=True, cwd=REPO)


def make_run(folder: Path) -> None:
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    hyperpower("profile", str(folder), "--samples", "10", "--folds", "5", "--metrics", "memory,latency",
               "--repetitions", "2", "--seed", "0")
    hyperpower("run", str(folder), "--optimize", "error", "--optimize", "memory", "--budget", "latency=p90",
               "--violation-rate", "0.2", "--epochs", "1", "--max-evals", "12", "--seed", "0")


def screenshots(folder: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    dashboard = subprocess.Popen([sys.executable, "-m", "hyperpower", "dashboard", str(folder), "--port", "0"],
                                 stdout=subprocess.PIPE, text=True, cwd=REPO)
    profile = tempfile.mkdtemp(prefix="hyperpower-chromium-")
    options = webdriver.ChromeOptions()
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        driver.get(dashboard.stdout.readline().split()[2])
        for _ in range(100):  # until the figures are drawn
            if driver.execute_script("return !!(document.getElementById('figure-pareto_front') || {}).data"):
                break
            time.sleep(0.2)
        time.sleep(1.5)  # Plotly's transitions
        driver.save_screenshot(str(OUT / "overview.png"))
        card = driver.find_element("id", "figure-pareto_front").find_element("xpath", "..")
        driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 80);",
                              card)  # below the sticky header
        time.sleep(0.5)
        card.screenshot(str(OUT / "front.png"))
    finally:
        driver.quit()
        dashboard.terminate()
        dashboard.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {OUT / 'overview.png'} and {OUT / 'front.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="folder for the run (kept; reused when it already holds one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = (args.keep or Path(scratch)) / "digits"
        if not (folder / "hyperpower.sqlite").exists():
            make_run(folder)
        screenshots(folder)


if __name__ == "__main__":
    main()
