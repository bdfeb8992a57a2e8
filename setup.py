from setuptools import find_packages, setup

setup(
    name="keras_dlt",
    version="0.1.0",
    description="The LISA-lab Deep Learning Tutorials as modern Keras models",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["keras_dlt", "keras_dlt.*"]),
    package_data={"keras_dlt.datasets": ["_bundled/*.npz", "_bundled/*.txt", "_bundled/*.pickle"]},
    include_package_data=True,
    python_requires=">=3.11",
    install_requires=[
        "tensorflow==2.21.0",
        "keras==3.15.1",
        "tensorflow-probability[tf]==0.25.0",
        "numpy==2.4.6",
        "pillow==13.0.0",
        "mido==1.3.3",
    ],
    extras_require={"test": ["pytest==9.0.3"]},
    license="BSD-3-Clause",
)
