"""The built-in datasets, as plain configuration turned into specs by the registry.

Each ``sha256`` is that of the embedded ``.npz`` in ``cosmofit/data/embedded``;
``python scripts/embed_release_data.py ../shared/data`` rebuilds those files
from the public releases and prints the hashes to paste here.
"""

from __future__ import annotations

BUILTIN_DATASETS: tuple[dict[str, object], ...] = (
    {
        "name": "planck18_priors",
        "aliases": ("cmb",),
        "kind": "cmb",
        "title": "Planck 2018 TT,TE,EE+lowE distance priors (R, l_A, omega_b)",
        "citation": "Chen, Huang & Wang 2019, JCAP 02 028, arXiv:1808.05724",
        "n_points": 3,
        "filename": "planck18_priors.npz",
        "sha256": "0cc58db5df3e473d9bb0954fb3ddb367125e1746444f212984286b3837185036",
    },
    {
        "name": "desi_dr2",
        "aliases": ("bao",),
        "kind": "bao",
        "title": "DESI DR2 BAO (Gaussian, all tracers, NGC+SGC)",
        "citation": "DESI Collaboration 2025, arXiv:2503.14738",
        "n_points": 13,
        "filename": "desi_dr2.npz",
        "sha256": "9f9f19d8ff48110b3574f678ac09745f7992f4dc7b3d1323b5b6949a20216162",
    },
    {
        "name": "desi_dr1",
        "aliases": (),
        "kind": "bao",
        "title": "DESI DR1 (2024) BAO (Gaussian, all tracers, NGC+SGC)",
        "citation": "DESI Collaboration 2024, arXiv:2404.03002",
        "n_points": 12,
        "filename": "desi_dr1.npz",
        "sha256": "9831946d2914dc729f8b4454ff9f3b2fc9194e205bf3438265ee502f743a4ab4",
    },
    {
        "name": "sdss_dr12",
        "aliases": (),
        "kind": "bao",
        "title": "SDSS DR12 LRG BAO, D_M/r_d and D_H/r_d at z = 0.38, 0.51",
        "citation": (
            "Alam et al. 2017, arXiv:1607.03155; eBOSS DR16 compilation,"
            " Alam et al. 2021, arXiv:2007.08991"
        ),
        "n_points": 4,
        "filename": "sdss_dr12.npz",
        "sha256": "c4b24b9eb15d1daf82d297dc99109413b7f67e2f59abcd0dd7e3996bfaf709a0",
    },
    {
        "name": "sixdf",
        "aliases": (),
        "kind": "bao",
        "title": "6dFGS BAO, r_d/D_V at z = 0.106",
        "citation": "Beutler et al. 2011, arXiv:1106.3366",
        "n_points": 1,
        "filename": "sixdf.npz",
        "sha256": "a4c32f69874bd1fae72a9050502eaad46e52f226dd171b8df7b1aed85fd9dcf5",
        # r_s/D_V was published with the Eisenstein & Hu (1998) fitting-formula sound
        # horizon; a Boltzmann-code r_drag is multiplied by this before comparing
        # (Beutler et al. 2011; as Cobaya's rs_rescale and MontePython do).
        "options": {"rd_rescale": 1.027369826},
    },
    {
        "name": "mgs",
        "aliases": (),
        "kind": "bao",
        "title": "SDSS DR7 Main Galaxy Sample BAO, D_V/r_d at z = 0.15",
        "citation": "Ross et al. 2015, arXiv:1409.3242",
        "n_points": 1,
        "filename": "mgs.npz",
        "sha256": "192711800d5446e4809f087394597c77c3bb009e81088c00cc619f9494769c44",
    },
    {
        "name": "union3",
        "aliases": (),
        "kind": "sn",
        "title": "Union3 SNe Ia, 22 redshift bins (compressed), full covariance",
        "citation": "Rubin et al. 2023, arXiv:2311.12098",
        "n_points": 22,
        "filename": "union3.npz",
        "sha256": "da0e907d9a387d5291a21a8b3fa305e98948370bdc2c0dbc7166d758f018ae1a",
    },
    {
        "name": "pantheon+",
        "aliases": ("sn", "pantheon_plus"),
        "kind": "sn",
        "title": "Pantheon+ SNe Ia (1590 with zHD > 0.01), STAT+SYS covariance",
        "citation": "Brout et al. 2022, arXiv:2202.04077; Scolnic et al. 2022, arXiv:2112.03863",
        "n_points": 1590,
        "filename": "pantheon_plus.npz",
        "sha256": "2b5b71efd20bb19c1b5aa406ce7e26647aa27c072d546ee260f19a0784f8fedf",
    },
)
