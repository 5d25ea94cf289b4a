"""mmwam: an OpenMMLab extension for multimodal segmentation / detection with MWAM."""

import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def readme():
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmwam', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Requirement lines of a requirements/*.txt file (``-r`` includes followed, comments dropped)."""
    out = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                out += parse_requirements(osp.join(osp.dirname(fname), line[3:].strip()))
            else:
                out.append(line)
    return out


def add_mim_extension():
    """Put configs/ and tools/ into mmwam/.mim (symlinks for editable installs, copies otherwise),
    so that ``mim train mmwam ...`` and ``mmwam::`` config paths find them, as OpenMMLab repos do."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(a in sys.argv for a in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim = osp.join(HERE, 'mmwam', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in ('configs', 'tools'):
        src, dst = osp.join(HERE, name), osp.join(mim, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        else:
            shutil.copytree(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmwam',
        version=get_version(),
        description='Multimodal (RGB-D, RGB-T) segmentation and detection for OpenMMLab, with MWAM '
        'frequency-guided modality balancing',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='multimodal, segmentation, detection, missing modality, OpenMMLab',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        package_data={'mmwam': ['.mim/configs/**/*', '.mim/tools/**/*']},
        python_requires='>=3.8',
        license='Apache License 2.0',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'all': parse_requirements('requirements.txt'),
            'tests': parse_requirements('requirements/tests.txt'),
            'mim': parse_requirements('requirements/mminstall.txt'),
            'deploy': parse_requirements('requirements/deploy.txt'),
            'mmpretrain': parse_requirements('requirements/optional.txt'),
        },
        zip_safe=False,
    )
