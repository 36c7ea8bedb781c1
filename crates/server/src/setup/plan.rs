//! The setup plan as given (name, head image, description, categories) and its checks: what
//! `store_plan` validates and keeps before anything is sent to WeChat.

use super::*;

/// An image of a plan: inline (base64) when given, a stored material once accepted.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Image {
    /// As given through the API.
    Inline {
        /// File name (its extension is informative only; the bytes are sniffed).
        filename: String,
        /// The bytes, base64.
        data_base64: String,
    },
    /// Kept in `materials`.
    Stored {
        /// The material's id.
        material_id: String,
    },
}

/// The name to set, with the materials WeChat may ask for.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NicknamePlan {
    /// The name.
    pub name: String,
    /// Business license (organizations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Image>,
    /// ID card (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card: Option<Image>,
    /// Other supporting materials (trademark certificate, …), at most 5.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_stuff: Vec<Image>,
}

/// The head image and its crop box.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvatarPlan {
    /// The image (BMP/JPEG/GIF/PNG, ≤ 2 MB).
    pub image: Image,
    /// The crop box (fractions); default the whole image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub crop: Option<CropBox>,
}

/// A qualification of a category.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificatePlan {
    /// The document's name, as getallcategories lists it.
    pub key: String,
    /// Its image.
    pub image: Image,
}

/// A category to add.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPlan {
    /// First-level id.
    pub first: u64,
    /// Second-level id.
    pub second: u64,
    /// Qualifications (sensitive categories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificatePlan>,
}

/// What to set on a new Mini Program; every part is optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupPlan {
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<NicknamePlan>,
    /// The head image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarPlan>,
    /// The description (功能介绍).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryPlan>>,
}

/// Why a plan was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Breaks one of the spec's rules (length, crop box, image type and size).
    #[error("{0}")]
    Rule(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub(super) async fn keep_image(
    state: &AppState,
    image: Image,
    field: &str,
    head_image: bool,
) -> Result<Image, PlanError> {
    match image {
        Image::Stored { material_id } => {
            if !store::setup::material_exists(&state.db, &material_id).await? {
                return Err(PlanError::Rule(format!(
                    "{field}: no material {material_id} (images are deleted once their step is done or failed): send the image inline"
                )));
            }
            Ok(Image::Stored { material_id })
        }
        // The given file name is not kept (it may name a person): WeChat gets one that says the
        // sniffed type.
        Image::Inline { data_base64, .. } => {
            let bytes = STANDARD
                .decode(data_base64.trim())
                .map_err(|_| PlanError::Rule(format!("{field}: data_base64 is not base64")))?;
            let kind = if head_image {
                rules::check_head_image(&bytes).map_err(|e| PlanError::Rule(format!("{field}: {e}")))?
            } else {
                rules::check_temp_media(MediaType::Image, &bytes)
                    .map_err(|e| PlanError::Rule(format!("{field}: {e}")))?;
                rules::sniff_image(&bytes).ok_or_else(|| PlanError::Rule(format!("{field}: not an image")))?
            };
            let id = uuid::Uuid::new_v4().to_string();
            let sealed = state.secrets.seal(&material_context(&id), &bytes);
            store::setup::insert_material(
                &state.db,
                &id,
                &format!("image.{}", kind.extension()),
                kind.mime(),
                sealed,
                state.now_ms(),
            )
            .await?;
            Ok(Image::Stored { material_id: id })
        }
    }
}

/// Checks a plan against the spec's rules and keeps its images; returns the plan (JSON) with
/// material ids in place of the inline images.
pub async fn store_plan(state: &AppState, plan: SetupPlan) -> Result<String, PlanError> {
    let mut out = SetupPlan::default();
    if let Some(n) = plan.nickname {
        rules::check_nickname(&n.name).map_err(|e| PlanError::Rule(e.to_string()))?;
        rules::check_not_deceptive("nickname.name", &n.name).map_err(|e| PlanError::Rule(e.to_string()))?;
        if n.other_stuff.len() > 5 {
            return Err(PlanError::Rule("nickname.other_stuff: at most 5 materials".into()));
        }
        let license = match n.license {
            Some(i) => Some(keep_image(state, i, "nickname.license", false).await?),
            None => None,
        };
        let id_card = match n.id_card {
            Some(i) => Some(keep_image(state, i, "nickname.id_card", false).await?),
            None => None,
        };
        let mut other = Vec::new();
        for i in n.other_stuff {
            other.push(keep_image(state, i, "nickname.other_stuff", false).await?);
        }
        out.nickname = Some(NicknamePlan {
            name: n.name,
            license,
            id_card,
            other_stuff: other,
        });
    }
    if let Some(a) = plan.avatar {
        out.avatar = Some(AvatarPlan {
            image: keep_image(state, a.image, "avatar.image", true).await?,
            crop: a.crop,
        });
    }
    if let Some(s) = plan.signature {
        rules::check_signature(&s).map_err(|e| PlanError::Rule(e.to_string()))?;
        rules::check_not_deceptive("signature", &s).map_err(|e| PlanError::Rule(e.to_string()))?;
        out.signature = Some(s);
    }
    if let Some(cats) = plan.categories {
        let mut kept = Vec::new();
        for c in cats {
            let mut certs = Vec::new();
            for cert in c.certificates {
                certs.push(CertificatePlan {
                    image: keep_image(state, cert.image, "categories.certificates", false).await?,
                    key: cert.key,
                });
            }
            kept.push(CategoryPlan {
                first: c.first,
                second: c.second,
                certificates: certs,
            });
        }
        out.categories = Some(kept);
    }
    serde_json::to_string(&out).map_err(|e| PlanError::Unexpected(e.into()))
}
