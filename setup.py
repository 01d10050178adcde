"""Packaging for HyperPower; the console script is ``hyperpower``."""

from setuptools import find_packages, setup

setup(
    name="hyperpower",
    version="0.1.0",
    description="Power- and memory-constrained hyper-parameter optimization for Keras networks",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["hyperpower", "hyperpower.*"]),
    install_requires=[
        "numpy>=1.24",
        "scipy>=1.10",
        "keras>=3.0",
        "tensorflow-cpu>=2.16; platform_machine=='x86_64'",
        "tensorflow>=2.16; platform_machine!='x86_64'",
        "pymongo>=4.0",
        "nvidia-ml-py>=12.0",
        "scikit-learn>=1.3",
        "matplotlib>=3.7",
        "plotly>=5.14",
    ],
    package_data={"hyperpower.dashboard": ["static/*"]},
    extras_require={
        # pytest-xdist: `./run_tool.sh test` runs the suite on every CPU (-n auto), which halves its time
        "test": ["pytest>=7.0", "mongomock>=4.1", "selenium>=4.10", "pytest-xdist>=3.0"],
    },
    entry_points={"console_scripts": ["hyperpower=hyperpower.cli:main"]},
)
